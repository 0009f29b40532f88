using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatBot.DingTalk.Api;

// What the bot sends DingTalk (dingtalk.md §4, stream-modes.md §1), one record per body, serialised by the generated
// DingTalkJson: names in camelCase as DingTalk writes them, nulls left out.

/// <summary><c>msgParam</c> of <c>sampleText</c>.</summary>
internal sealed record TextParam(string Content);

/// <summary><c>msgParam</c> of <c>sampleMarkdown</c>, and the webhook's <c>markdown</c>.</summary>
internal sealed record MarkdownParam(string Title, string Text);

internal sealed record WebhookAt(string[] AtUserIds, bool IsAtAll);

/// <summary>A sessionWebhook message: <c>text</c> or <c>markdown</c>, the other null.</summary>
internal sealed record WebhookMessage(string Msgtype, TextParam? Text, MarkdownParam? Markdown, WebhookAt? At);

internal sealed record GroupMessage(string RobotCode, string OpenConversationId, string MsgKey, string MsgParam);

internal sealed record UserMessages(string RobotCode, string[] UserIds, string MsgKey, string MsgParam);

internal sealed record AccessTokenRequest(string AppKey, string AppSecret);

internal sealed record StreamSubscription(string Type, string Topic);

internal sealed record OpenConnectionRequest(string ClientId, string ClientSecret, StreamSubscription[] Subscriptions, string Ua);

/// <summary>The gateway's acknowledgement of a pushed frame (stream-modes.md §1.3).</summary>
internal sealed record StreamAck(int Code, Dictionary<string, string> Headers, string Message, string Data);

internal sealed record UserGetRequest(string Userid, string Language);

internal sealed record DepartmentListRequest([property: JsonPropertyName("dept_id")] long DeptId, string Language);

internal sealed record CardData(Dictionary<string, string> CardParamMap);

internal sealed record CardSpace(bool SupportForward);

/// <summary>Where a group card is delivered; <c>atUserIds</c> (staff id → name) when the asker is known.</summary>
internal sealed record GroupCardDelivery(string RobotCode, Dictionary<string, string>? AtUserIds);

internal sealed record RobotCardDelivery(string SpaceType, string RobotCode);

/// <summary><c>card/instances/createAndDeliver</c>: a group's space and delivery, or a direct chat's, the other pair null.</summary>
internal sealed record CardCreation(
    string CardTemplateId,
    string OutTrackId,
    CardData CardData,
    string CallbackType,
    int UserIdType,
    string OpenSpaceId,
    CardSpace? ImGroupOpenSpaceModel = null,
    GroupCardDelivery? ImGroupOpenDeliverModel = null,
    CardSpace? ImRobotOpenSpaceModel = null,
    RobotCardDelivery? ImRobotOpenDeliverModel = null);

/// <summary><c>card/streaming</c>: the card's whole text so far.</summary>
internal sealed record CardStreamingUpdate(string OutTrackId, string Guid, string Key, string Content, bool IsFull, bool IsFinalize, bool IsError);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TextParam))]
[JsonSerializable(typeof(MarkdownParam))]
[JsonSerializable(typeof(WebhookMessage))]
[JsonSerializable(typeof(GroupMessage))]
[JsonSerializable(typeof(UserMessages))]
[JsonSerializable(typeof(AccessTokenRequest))]
[JsonSerializable(typeof(OpenConnectionRequest))]
[JsonSerializable(typeof(StreamAck))]
[JsonSerializable(typeof(UserGetRequest))]
[JsonSerializable(typeof(DepartmentListRequest))]
[JsonSerializable(typeof(CardCreation))]
[JsonSerializable(typeof(CardStreamingUpdate))]
internal sealed partial class DingTalkJson : JsonSerializerContext
{
    /// <summary>For <c>msgParam</c>, a JSON string inside JSON: CJK kept as UTF-8, not \uXXXX, so its byte limit counts what it should.</summary>
    public static DingTalkJson Relaxed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
