using System.Text.Json.Serialization;

namespace ChatBot.Core.Messages;

/// <summary>
/// Where and how an answer goes back. It travels inside the sealed job envelope, never in plaintext
/// job arguments, because callback URLs carry one-shot credentials (response_code, session).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(WeComAiBotRoute), "wecom-aibot")]
[JsonDerivedType(typeof(WeComAppRoute), "wecom-app")]
[JsonDerivedType(typeof(DingTalkRoute), "dingtalk")]
public abstract record ReplyRoute
{
    /// <summary>Every route's sender key: what a profile or a test registers when it answers for all channels.</summary>
    public static IReadOnlyList<string> SenderKeys { get; } = [WeComAiBotRoute.Key, WeComAppRoute.Key, DingTalkRoute.Key];

    /// <summary>The key under which the reply sender for this route is registered.</summary>
    [JsonIgnore]
    public abstract string SenderKey { get; }

    /// <summary>Whether the channel renders markdown (a citation is then a quote block); text channels get plain lines.</summary>
    [JsonIgnore]
    public virtual bool RendersMarkdown => false;
}

/// <summary>WeCom AI bot (智能机器人): one-shot <c>response_url</c>, valid 1 h (wecom.md §2).</summary>
/// <param name="ViaLongConnection">The message came over the long connection: its holder streams the answer on the socket.</param>
public sealed record WeComAiBotRoute(string ResponseUrl, string? ChatId, string? StreamId, bool ViaLongConnection = false) : ReplyRoute
{
    public const string Key = "wecom-aibot";
    public override string SenderKey => Key;

    public override bool RendersMarkdown => true;
}

/// <summary>WeCom self-built app: <c>message/send</c> to the user through the app's agent (wecom.md §3).</summary>
public sealed record WeComAppRoute(int AgentId, string UserId) : ReplyRoute
{
    public const string Key = "wecom-app";
    public override string SenderKey => Key;
}

/// <summary>
/// DingTalk app robot: the <c>sessionWebhook</c> while it lives (≈90 min), then the OpenAPI group or 1:1 send
/// (dingtalk.md §4).
/// </summary>
public sealed record DingTalkRoute(
    string? SessionWebhook,
    DateTimeOffset? SessionWebhookExpiresAt,
    string ConversationId,
    string RobotCode,
    string? SenderStaffId) : ReplyRoute
{
    public const string Key = "dingtalk";
    public override string SenderKey => Key;
}
