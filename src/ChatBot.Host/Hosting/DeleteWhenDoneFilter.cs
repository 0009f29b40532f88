using Hangfire.States;
using Hangfire.Storage;

namespace ChatBot.Host.Hosting;

/// <summary>
/// A finished job is deleted at once instead of being kept a day as Succeeded: its argument is a sealed
/// message, and nothing about a message should outlive its answer. Deleted jobs (finished, or out of retries)
/// expire from storage within seconds rather than Hangfire's default day.
/// </summary>
internal sealed class DeleteWhenDoneFilter : IElectStateFilter, IApplyStateFilter
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(1);

    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is SucceededState)
        {
            context.CandidateState = new DeletedState { Reason = "Answered; message data is not kept." };
        }
    }

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState is DeletedState)
        {
            context.JobExpirationTimeout = Expiry;
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }
}
