using System.Text.Json;
using ChatBot.Core.Messages;
using ChatBot.Core.Privacy;
using System.Text.Json.Serialization;

namespace ChatBot.Core.Audit;

/// <summary>
/// One line of the audit trail: metadata only, never a message's text. Messages leave two events, correlated by the
/// message's hash: <c>intake</c> (what intake decided, with the quota) and <c>answer</c> (what the job delivered, with
/// tokens, latency, cited documents or the error code). Admin actions are <c>admin</c>. The user id is the platform's
/// own, on purpose: an auditor asks "what did this employee's questions cost and get", and the file is access-controlled.
/// </summary>
public sealed record AuditRecord
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public required DateTimeOffset Time { get; init; }

    /// <summary><c>intake</c>, <c>answer</c> or <c>admin</c>.</summary>
    public required string Event { get; init; }

    public string? Platform { get; init; }

    public string? Channel { get; init; }

    public string? User { get; init; }

    /// <summary><c>direct</c> or <c>group</c>.</summary>
    public string? Chat { get; init; }

    /// <summary>The message id's short hash, as in the logs.</summary>
    public string? Message { get; init; }

    public string? Outcome { get; init; }

    public int? QuotaUsed { get; init; }

    /// <summary>Questions left today; absent for an unlimited user.</summary>
    public int? QuotaLeft { get; init; }

    public int? Tokens { get; init; }

    public double? LatencyMs { get; init; }

    public IReadOnlyList<string>? Documents { get; init; }

    /// <summary>The platform's error code or the failure's type.</summary>
    public string? Code { get; init; }

    /// <summary>For <c>admin</c>: what was done (<c>quota-reset</c>, …) and by whom, from where.</summary>
    public string? Action { get; init; }

    public string? Actor { get; init; }

    /// <summary>For an admin file's edit (<c>Action</c> <c>file-reload</c>): the file, its content hash before and after, and the rules it added, changed and removed.</summary>
    public string? File { get; init; }

    public string? HashBefore { get; init; }

    public string? HashAfter { get; init; }

    public int? RulesAdded { get; init; }

    public int? RulesChanged { get; init; }

    public int? RulesRemoved { get; init; }

    /// <summary>An admin file's edit as its audit line: <c>applied</c>, or <c>refused</c> with the parser's reason as the code.</summary>
    public static AuditRecord ForFileChange(AdminFiles.AdminFileChange change, DateTimeOffset time) => new()
    {
        Time = time,
        Event = "admin",
        Action = "file-reload",
        Outcome = change.Refused ? "refused" : "applied",
        File = change.File,
        HashBefore = change.HashBefore,
        HashAfter = change.HashAfter,
        RulesAdded = change.Added,
        RulesChanged = change.Changed,
        RulesRemoved = change.Removed,
        Code = change.Problem,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>A message's event with what every such line carries: who, where, which message (hashed), what became of it.</summary>
    public static AuditRecord ForMessage(string @event, InboundMessage message, string outcome, DateTimeOffset time) => new()
    {
        Time = time,
        Event = @event,
        Platform = message.Platform.ToString().ToLowerInvariant(),
        Channel = message.Route.SenderKey,
        User = Pseudonym.Of(message.SenderId),
        Chat = message.ChatKind == ChatKind.Group ? "group:" + Pseudonym.Of(message.ChatId) : "direct",
        Message = LogId.Hash(message.MessageId),
        Outcome = outcome,
    };
}
