using System.Threading.Channels;
using ChatBot.Core.Pipeline;
using Hangfire;

namespace ChatBot.Core.Queue;

/// <summary>
/// Queues one Hangfire job per accepted message; its only argument is the sealed envelope.
/// </summary>
/// <remarks>
/// Hangfire's client is synchronous (with Redis storage: a few blocking round trips per job). Called from request
/// handlers during a burst it blocks thread-pool threads, starves the very requests it serves, and turns a slow
/// Redis into thousands of stuck callbacks. So enqueues run on a few dedicated threads and the request awaits its
/// result; an enqueue whose intake gave up before a thread got to it is never begun, so it leaves nothing behind.
/// </remarks>
internal sealed class HangfireAnswerQueue : IAnswerQueue, IDisposable
{
    private const int Threads = 4;
    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly IBackgroundJobClient _jobs;
    private readonly EnvelopeSealer _sealer;
    private readonly TimeProvider _clock;
    private readonly Thread[] _threads;

    public HangfireAnswerQueue(IBackgroundJobClient jobs, EnvelopeSealer sealer, TimeProvider clock)
    {
        _jobs = jobs;
        _sealer = sealer;
        _clock = clock;
        _threads = Enumerable.Range(0, Threads).Select(i => new Thread(Run) { IsBackground = true, Name = $"enqueue-{i}" }).ToArray();
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    public Task<string> EnqueueAsync(AnswerRequest answer, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var work = new Work(_sealer.Seal(answer), deadline, cancellationToken);
        if (!_work.Writer.TryWrite(work))
        {
            throw new InvalidOperationException("The answer queue is shutting down.");
        }

        return work.Result.Task;
    }

    public void Dispose() => _work.Writer.TryComplete();

    private void Run()
    {
        while (_work.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (_work.Reader.TryRead(out var work))
            {
                if (work.Cancellation.IsCancellationRequested || _clock.GetUtcNow() >= work.Deadline)
                {
                    work.Result.TrySetException(new TimeoutException("Intake gave up before the enqueue began; nothing was written."));
                    continue;
                }

                try
                {
                    var envelope = work.Envelope;
                    work.Result.TrySetResult(_jobs.Enqueue<AnswerJob>(job => job.RunAsync(envelope, null, CancellationToken.None)));
                }
                catch (Exception ex)
                {
                    work.Result.TrySetException(ex);
                }
            }
        }
    }

    private sealed record Work(string Envelope, DateTimeOffset Deadline, CancellationToken Cancellation)
    {
        public TaskCompletionSource<string> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
