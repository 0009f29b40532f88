using ChatBot.Core.Messages;
using ChatBot.Core.Replies;

namespace ChatBot.WeCom;

/// <summary>WeCom AI bot (智能机器人): one-shot <c>response_url</c>, valid 1 h (wecom.md §2).</summary>
/// <param name="ViaLongConnection">The message came over the long connection: its holder streams the answer on the socket.</param>
public sealed record WeComAiBotRoute(string ResponseUrl, string? ChatId, string? StreamId, bool ViaLongConnection = false) : ReplyRoute
{
    public const string Key = "wecom-aibot";
    public override string SenderKey => Key;

    public override MarkdownDialect Dialect => MarkdownDialect.Full;

    public override bool WelcomesOnEntry => true;
}

/// <summary>WeCom self-built app: <c>message/send</c> to the user through the app's agent (wecom.md §3).</summary>
public sealed record WeComAppRoute(int AgentId, string UserId, bool Markdown = false) : ReplyRoute
{
    public const string Key = "wecom-app";
    public override string SenderKey => Key;

    /// <summary>Sent as the app's Markdown message (<c>WeCom:App:MessageFormat</c>, fixed when the message came in).</summary>
    public override MarkdownDialect Dialect => Markdown ? MarkdownDialect.WeCom : MarkdownDialect.Plain;
}
