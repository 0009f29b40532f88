namespace ChatBot.Core.Pipeline;

/// <summary>
/// The line in front of the model: at most <see cref="Capacity"/> answers generate at once in this instance (the
/// model's parallel sequences); the others wait in the order their questions arrived, each told its place. Without it
/// a crowd waits silently in the queue and is served in whatever order workers pick jobs up. A place held by a
/// cancelled or failed wait is given back; a finished turn passes straight to the next in line.
/// <para>
/// Workers reach the line out of arrival order, so a place told at once could be wrong a moment later (an earlier
/// question arriving behind it). A joiner is told after the line has settled (<see cref="Settle"/>), and nobody is
/// ever put ahead of someone already told: a told place is true when told and only gets better.
/// </para>
/// </summary>
public sealed class AnswerLine(int capacity, TimeSpan? settle = null)
{
    /// <summary>
    /// How long a joiner waits before it is told its place: the workers that picked up a burst's other questions reach
    /// the line within this (a few ms each on 2 cores), and a turn that frees meanwhile needs no notice at all.
    /// </summary>
    public static readonly TimeSpan DefaultSettle = TimeSpan.FromMilliseconds(200);

    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiting = [];
    private int _generating;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The line needs room for at least one answer.");

    public TimeSpan Settle { get; } = settle ?? DefaultSettle;

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
    /// Takes a turn now, or joins the line by arrival time (behind everyone already told a place) and, once the line
    /// has settled and if it still waits, calls <paramref name="queued"/> with its place (1 = next) before waiting for
    /// the turn. Dispose the turn when the answer is generated.
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
            // every question that arrived before it, not behind whoever was quicker to get here — but never ahead of
            // one already told its place, which would make that place untrue.
            var start = _waiting.FindLastIndex(w => w.Told) + 1;
            var later = _waiting.FindIndex(start, w => w.ArrivedAt > arrivedAt);
            _waiting.Insert(later >= 0 ? later : _waiting.Count, waiter);
        }

        try
        {
            await Task.WhenAny(waiter.Granted.Task, Task.Delay(Settle, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            lock (_gate)
            {
                place = _waiting.IndexOf(waiter);
                waiter.Told = place >= 0;
            }

            if (place >= 0)
            {
                await queued(place + 1);
            }

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

        /// <summary>Told its place: nobody joins ahead of it from then on. Written under the line's gate.</summary>
        public bool Told { get; set; }

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
