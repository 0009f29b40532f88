using ChatBot.Core.PlatformApi;
using ChatBot.Core.Queue;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// Whether a failed answer is worth retrying. Permanent: what the same input meets again on every attempt — a
/// platform's refusal of the request itself (a wrong user id, a recipient outside the app), a request the model
/// rejects (a prompt over its context, no user message), an envelope that cannot be opened, a reply the platform's
/// rules forbid. Transient: everything that depends on the moment — time-outs, connections, Redis, a busy platform,
/// an engine that is full or shutting down.
/// </summary>
public static class JobFailure
{
    public static bool IsPermanent(Exception error) => error switch
    {
        PlatformApiException api => !api.Transient,
        ArgumentException => true,
        EnvelopeException => true,
        NotSupportedException => true,
        FormatException => true,
        // The chat client wraps what the engine threw ("Local inference failed: …"): the cause decides.
        InvalidOperationException { InnerException: { } inner } => IsPermanent(inner),
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsPermanent),
        _ => false,
    };

    /// <summary>The failure's code for metrics and the audit trail: the platform's, or the exception's type.</summary>
    public static string Code(Exception error) => error switch
    {
        PlatformApiException api => api.Code,
        InvalidOperationException { InnerException: { } inner } when IsPermanent(inner) => Code(inner),
        _ => error.GetType().Name,
    };
}
