namespace ChatBot.Core.Pipeline;

/// <summary>
/// The line in front of the model: at most <see cref="Capacity"/> answers generate at once in this instance (the
/// model's parallel sequences), and at most <see cref="PerUser"/> of them for one asker; the others wait in the order
/// their questions arrived, each told its place. Without it a crowd waits silently in the queue and is served in
/// whatever order workers pick jobs up, and one asker with four quick questions holds every sequence. A place held by
/// a cancelled or failed wait is given back; a finished turn passes straight to the first in line who may take it.
/// <para>
/// Workers reach the line out of arrival order, so a place told at once could be wrong a moment later (an earlier
/// question arriving behind it). A joiner is told after the line has settled (<see cref="Settle"/>), and nobody is
/// ever put ahead of someone already told: a told place is true when told and only gets better. A question that
/// waits behind its own asker's earlier one is told nothing until that one is done, since others pass it meanwhile.
/// </para>
/// </summary>
public sealed class AnswerLine(int capacity, TimeSpan? settle = null, int perUser = 1)
{
    /// <summary>
    /// How long a joiner waits before it is told its place: the workers that picked up a burst's other questions reach
    /// the line within this (a few ms each on 2 cores), and a turn that frees meanwhile needs no notice at all.
    /// </summary>
    public static readonly TimeSpan DefaultSettle = TimeSpan.FromMilliseconds(200);

    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiting = [];
    private readonly Dictionary<string, int> _byUser = new(StringComparer.Ordinal);
    private int _generating;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The line needs room for at least one answer.");

    /// <summary>Answers one asker may have generating at once (<c>Quotas:MaxInFlightPerUser</c>).</summary>
    public int PerUser { get; } = perUser > 0 ? perUser : throw new ArgumentOutOfRangeException(nameof(perUser), perUser, "An asker needs room for at least one answer.");

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
    /// has settled and its asker has no earlier answer over their share in the making, calls <paramref name="queued"/>
    /// with its place (1 = next) if it still waits. Dispose the turn when the answer is generated.
    /// </summary>
    /// <param name="user">Who asks (platform and sender): their answers in the making count against <see cref="PerUser"/>.</param>
    public async Task<IDisposable> EnterAsync(DateTimeOffset arrivedAt, string user, Func<int, Task> queued, CancellationToken cancellationToken)
    {
        Waiter waiter;
        int place;
        lock (_gate)
        {
            if (_generating < Capacity && MayStart(user) && !_waiting.Any(w => MayStart(w.User)))
            {
                return Start(user);
            }

            waiter = new Waiter(arrivedAt, user);

            // Workers pick jobs up concurrently, so a later question may reach the line first: it goes behind
            // every question that arrived before it, not behind whoever was quicker to get here — but never ahead of
            // one already told its place, which would make that place untrue.
            var start = _waiting.FindLastIndex(w => w.Told) + 1;
            var later = _waiting.FindIndex(start, w => w.ArrivedAt > arrivedAt);
            _waiting.Insert(later >= 0 ? later : _waiting.Count, waiter);
            if (MayBeTold(waiter))
            {
                waiter.Eligible.TrySetResult();
            }
        }

        try
        {
            await Task.WhenAny(waiter.Granted.Task, Task.Delay(Settle, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            await Task.WhenAny(waiter.Granted.Task, waiter.Eligible.Task.WaitAsync(cancellationToken));
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
            return new Turn(this, user);
        }
        catch
        {
            lock (_gate)
            {
                if (!_waiting.Remove(waiter))
                {
                    // Granted while it was giving up: the turn is this caller's, so pass it on.
                    Finish(user);
                }
            }

            throw;
        }
    }

    private bool MayStart(string user) => _byUser.GetValueOrDefault(user) < PerUser;

    /// <summary>
    /// Whether nothing of its own asker's holds it back: their answers in the making and their questions ahead of it
    /// leave it room. Only then does its place mean what it says. Under the gate.
    /// </summary>
    private bool MayBeTold(Waiter waiter)
    {
        var ahead = 0;
        foreach (var other in _waiting)
        {
            if (ReferenceEquals(other, waiter))
            {
                break;
            }

            ahead += other.User == waiter.User ? 1 : 0;
        }

        return _byUser.GetValueOrDefault(waiter.User) + ahead < PerUser;
    }

    /// <summary>Counts a turn in; called under the gate.</summary>
    private Turn Start(string user)
    {
        _generating++;
        _byUser[user] = _byUser.GetValueOrDefault(user) + 1;
        return new Turn(this, user);
    }

    /// <summary>Counts a finished turn out and hands free turns to the first waiters who may take them. Under the gate.</summary>
    private void Finish(string user)
    {
        _generating--;
        if (_byUser.GetValueOrDefault(user) <= 1)
        {
            _byUser.Remove(user);
        }
        else
        {
            _byUser[user]--;
        }

        while (_generating < Capacity && _waiting.FindIndex(w => MayStart(w.User)) is var next and >= 0)
        {
            var waiter = _waiting[next];
            _waiting.RemoveAt(next);
            Start(waiter.User);
            waiter.Granted.TrySetResult();
        }

        // Waiters no longer held back by their own earlier answer may now be told their place.
        foreach (var waiter in _waiting.Where(MayBeTold))
        {
            waiter.Eligible.TrySetResult();
        }
    }

    private void Leave(string user)
    {
        lock (_gate)
        {
            Finish(user);
        }
    }

    private sealed class Waiter
    {
        public Waiter(DateTimeOffset arrivedAt, string user)
        {
            ArrivedAt = arrivedAt;
            User = user;
        }

        public DateTimeOffset ArrivedAt { get; }

        public string User { get; }

        /// <summary>Told its place: nobody joins ahead of it from then on. Written under the line's gate.</summary>
        public bool Told { get; set; }

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Set when its asker has room (at once, or when their earlier answer is done).</summary>
        public TaskCompletionSource Eligible { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Turn(AnswerLine line, string user) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                line.Leave(user);
            }
        }
    }
}
