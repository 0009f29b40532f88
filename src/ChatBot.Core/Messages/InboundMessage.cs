namespace ChatBot.Core.Messages;

/// <summary>
/// One verified user message, normalised across platforms. <see cref="Text"/> is the only field that is a
/// message body: it lives in memory or inside a sealed envelope, never in logs or storage.
/// </summary>
/// <param name="BotId">The bot's own identity on the platform (aibotid, corpid:agentid, robotCode).</param>
/// <param name="ChatId">Group id for groups; the sender's id for direct chats.</param>
/// <param name="SenderDepartment">Department, where the platform gives one (used for quota overrides).</param>
/// <param name="Text">The text with the bot's own @-mention removed.</param>
/// <param name="MessageId">The platform's message id: the dedupe key.</param>
public sealed record InboundMessage(
    Platform Platform,
    string BotId,
    ChatKind ChatKind,
    string ChatId,
    string SenderId,
    string? SenderDepartment,
    string Text,
    string MessageId,
    ReplyRoute Route,
    DateTimeOffset ReceivedAt)
{
    /// <summary>
    /// What a message that carries no text is (image, file, video, sticker, voice without recognised text): answered
    /// with one short reply saying the bot reads text. Null for text (and for voice the platform transcribed).
    /// </summary>
    public string? Media { get; init; }

    /// <summary>A key that is unique across platforms and bots, for dedupe and delivery records.</summary>
    public string DedupeKey => $"{Platform}:{BotId}:{MessageId}";
}
