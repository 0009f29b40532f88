using ChatBot.Core.Messages;

namespace ChatBot.Core.Queue;

/// <summary>
/// What a job is asked to do, and all it carries (sealed into its envelope, never stored in the clear): the message
/// (with its text and reply route), what to answer with, whether a quota charge is to be refunded if the system
/// fails, and the intake attempt whose claim the job must accept before it may answer (null: no claim to check).
/// </summary>
public sealed record AnswerRequest(
    InboundMessage Message,
    AnswerKind Kind,
    bool Charged = false,
    DateTimeOffset? QuotaResetsAt = null,
    string? ClaimOwner = null,
    bool Welcome = false);
