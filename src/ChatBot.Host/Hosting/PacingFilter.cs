using ChatBot.Core.Replies;
using Hangfire.States;

namespace ChatBot.Host.Hosting;

/// <summary>
/// A job that stopped on a conversation's send rate (<see cref="PacingException"/>) is scheduled again for when
/// the rate allows, instead of failing: no retry attempt is used up, and no worker waits.
/// Runs before <c>AutomaticRetryAttribute</c> (order 20), which then sees no failure.
/// </summary>
internal sealed class PacingFilter : IElectStateFilter
{
    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is FailedState failed
            && (failed.Exception as PacingException ?? failed.Exception?.InnerException as PacingException) is { } paced)
        {
            context.CandidateState = new ScheduledState(paced.RetryAfter) { Reason = "Paced by the conversation's send rate" };
        }
    }
}
