using System.Text.Json.Serialization;
using ChatBot.Core.Replies;

namespace ChatBot.Core.Messages;

/// <summary>
/// Where and how an answer goes back. It travels inside the sealed job envelope, never in plaintext job arguments,
/// because callback URLs carry one-shot credentials (response_code, session). Each platform defines its own kinds
/// and registers them with <see cref="ReplyRouteKinds.AddReplyRoute{TRoute, TSender}"/>; Core knows none of them.
/// </summary>
public abstract record ReplyRoute
{
    /// <summary>The route's kind: its name in the envelope and the key of the reply sender registered for it.</summary>
    [JsonIgnore]
    public abstract string SenderKey { get; }

    /// <summary>What the channel's messages show of the model's Markdown; the answer is written in it and screened again.</summary>
    [JsonIgnore]
    public virtual MarkdownDialect Dialect => MarkdownDialect.Plain;

    /// <summary>Whether the channel renders markdown (a citation is then a quote block); text channels get plain lines.</summary>
    [JsonIgnore]
    public bool RendersMarkdown => Dialect != MarkdownDialect.Plain;

    /// <summary>
    /// Whether the platform says when someone opens the chat (WeCom AI bot's <c>enter_chat</c>) and the bot welcomes
    /// them then; elsewhere a direct chat's first answer carries the welcome (Answers:WelcomeInterval).
    /// </summary>
    [JsonIgnore]
    public virtual bool WelcomesOnEntry => false;
}
