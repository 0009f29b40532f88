using Hangfire.States;

namespace ChatBot.Host.Hosting;

/// <summary>
/// A finished job is deleted at once instead of being kept a day as Succeeded: its argument is a sealed
/// message, and nothing about a message should outlive its answer.
/// </summary>
internal sealed class DeleteWhenDoneFilter : IElectStateFilter
{
    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is SucceededState)
        {
            context.CandidateState = new DeletedState { Reason = "Answered; message data is not kept." };
        }
    }
}
