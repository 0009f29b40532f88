using ChatBot.Core.Pipeline;
using ChatBot.Core.Queue;
using Hangfire;

namespace ChatBot.Host.Hosting;

/// <summary>Queues one Hangfire job per accepted message; its only argument is the sealed envelope.</summary>
internal sealed class HangfireAnswerQueue(IBackgroundJobClient jobs, EnvelopeSealer sealer) : IAnswerQueue
{
    public Task<string> EnqueueAsync(SealedAnswer answer, CancellationToken cancellationToken)
    {
        var envelope = sealer.Seal(answer);
        var id = jobs.Enqueue<AnswerJob>(job => job.RunAsync(envelope, null, CancellationToken.None));
        return Task.FromResult(id);
    }
}
