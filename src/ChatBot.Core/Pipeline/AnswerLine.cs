namespace ChatBot.Core.Pipeline;

/// <summary>
/// The line in front of the model: at most <see cref="Capacity"/> answers generate at once in this instance (the
/// model's parallel sequences); the others wait in the order their questions arrived, each told its place when it
/// joins. Without it a crowd waits silently in the queue and is served in whatever order workers pick jobs up.
/// A place held by a cancelled or failed wait is given back; a finished turn passes straight to the next in line.
/// </summary>
public sealed class AnswerLine(int capacity)
{
    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiting = [];
    private int _generating;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The line needs room for at least one answer.");

    /// <summary>Questions waiting for a turn now.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Takes a turn now, or joins the line by arrival time and calls <paramref name="queued"/> with the place
    /// (1 = next) before waiting for the turn. Dispose the turn when the answer is generated.
    /// </summary>
    public async Task<IDisposable> EnterAsync(DateTimeOffset arrivedAt, Func<int, Task> queued, CancellationToken cancellationToken)
    {
        Waiter waiter;
        int place;
        lock (_gate)
        {
            if (_generating < Capacity && _waiting.Count == 0)
            {
                _generating++;
                return new Turn(this);
            }

            waiter = new Waiter(arrivedAt);

            // Workers pick jobs up concurrently, so a later question may reach the line first: it goes behind
            // every question that arrived before it, not behind whoever was quicker to get here.
            var later = _waiting.FindIndex(w => w.ArrivedAt > arrivedAt);
            place = later >= 0 ? later : _waiting.Count;
            _waiting.Insert(place, waiter);
        }

        try
        {
            await queued(place + 1);
            await waiter.Granted.Task.WaitAsync(cancellationToken);
            return new Turn(this);
        }
        catch
        {
            lock (_gate)
            {
                if (!_waiting.Remove(waiter))
                {
                    // Granted while it was giving up: the turn is this caller's, so pass it on.
                    Pass();
                }
            }

            throw;
        }
    }

    /// <summary>Hands a finished turn to the first in line, or frees it. Called under the gate.</summary>
    private void Pass()
    {
        if (_waiting.Count > 0)
        {
            var next = _waiting[0];
            _waiting.RemoveAt(0);
            next.Granted.TrySetResult();
        }
        else
        {
            _generating--;
        }
    }

    private void Leave()
    {
        lock (_gate)
        {
            Pass();
        }
    }

    private sealed class Waiter(DateTimeOffset arrivedAt)
    {
        public DateTimeOffset ArrivedAt { get; } = arrivedAt;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Turn(AnswerLine line) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                line.Leave();
            }
        }
    }
}
