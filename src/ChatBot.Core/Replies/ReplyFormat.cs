namespace ChatBot.Core.Replies;

/// <summary>How a channel's answers are sent: as text messages, or as the platform's Markdown message.</summary>
public enum ReplyFormat
{
    /// <summary>Text messages: the model's Markdown written as clean text (<see cref="MarkdownText.ToPlain"/>).</summary>
    Text,

    /// <summary>The platform's Markdown message, in the part of Markdown it renders (<see cref="MarkdownDialect"/>).</summary>
    Markdown,
}
