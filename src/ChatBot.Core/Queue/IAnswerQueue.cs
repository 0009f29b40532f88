using ChatBot.Core.Messages;

namespace ChatBot.Core.Queue;

/// <summary>
/// Hands an accepted message to background processing. A process boundary: the job and its sealed envelope
/// leave this process for Hangfire storage (memory or Redis).
/// </summary>
public interface IAnswerQueue
{
    /// <param name="deadline">When intake stops waiting: an enqueue not yet begun by then is not begun at all.</param>
    /// <returns>The job id.</returns>
    Task<string> EnqueueAsync(AnswerRequest answer, DateTimeOffset deadline, CancellationToken cancellationToken);
}

/// <summary>What the job should answer with.</summary>
public enum AnswerKind
{
    /// <summary>Run inference and reply with the model's answer.</summary>
    Inference,

    /// <summary>Reply with the over-quota notice, no inference.</summary>
    OverQuota,

    /// <summary>Reply with the too-fast notice (per-minute burst limit), no inference.</summary>
    OverBurst,

    /// <summary>Reply with the neutral refusal for screened input, no inference.</summary>
    RefusedInput,

    /// <summary>Reply to the group that its shared daily budget is spent (Quotas:GroupOverBudgetText), no inference.</summary>
    OverGroupBudget,

    /// <summary>Reply that the question is over the length the model can take (Answers:MaxQuestionChars), no inference.</summary>
    TooLong,

    /// <summary>The <c>/help</c> command: what the bot does and how it treats messages (Answers:HelpText).</summary>
    Help,

    /// <summary>The <c>/quota</c> command: questions left today and when the count resets, from the ledger.</summary>
    QuotaStatus,

    /// <summary>The <c>/clear</c> command: the asker's conversation memory deleted, then Answers:ClearedText.</summary>
    Clear,

    /// <summary>An image, file, video or sticker: one reply saying the bot reads text (Answers:TextOnlyText).</summary>
    TextOnly,

    /// <summary>An admin's <c>/quota reset USER</c>: that user's count today back to zero, audited.</summary>
    QuotaReset,

    /// <summary>An admin's <c>/pause TEXT</c>: every question is answered with TEXT until <c>/resume</c>, audited.</summary>
    Pause,

    /// <summary>An admin's <c>/resume</c>: questions are answered again, audited.</summary>
    Resume,

    /// <summary>An admin command from someone who is not a bot admin: refused with Answers:AdminOnlyText.</summary>
    AdminOnly,

    /// <summary>A question while the bot is paused: the admin's maintenance text, no model, no charge.</summary>
    Paused,
}
