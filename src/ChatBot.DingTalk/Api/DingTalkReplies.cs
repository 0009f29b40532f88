using System.Text.Json;
using System.Text.Json.Serialization;
using ChatBot.Core.PlatformApi;

namespace ChatBot.DingTalk.Api;

// What DingTalk's APIs answer (dingtalk.md §4, stream-modes.md §1.1), the fields the bot reads: the new OpenAPI
// reports failure as an HTTP status and a `code`, the older host (topapi, sessionWebhook) as an `errcode` in a 200.
// A field of another type reads as absent (TolerantJson), where the JsonDocument reads before these threw.

/// <summary>The older host's reply: <c>errcode</c> (0: success) and <c>errmsg</c>.</summary>
internal record OapiReply(
    [property: JsonConverter(typeof(Int32OrAbsent))] int? Errcode,
    [property: JsonConverter(typeof(StringOrAbsent))] string? Errmsg);

/// <summary><c>topapi/v2/user/get</c>: the user's department ids (numbers, read as written).</summary>
internal sealed record UserReply(int? Errcode, string? Errmsg, Typed<UserResult> Result) : OapiReply(Errcode, Errmsg);

internal sealed record UserResult([property: JsonPropertyName("dept_id_list")] Typed<JsonElement[]> DeptIdList);

/// <summary><c>topapi/v2/department/listsub</c>: one level of departments.</summary>
internal sealed record SubDepartmentsReply(int? Errcode, string? Errmsg, Typed<Typed<SubDepartment>[]> Result) : OapiReply(Errcode, Errmsg);

internal sealed record SubDepartment([property: JsonPropertyName("dept_id")] JsonElement DeptId, [property: JsonConverter(typeof(StringOrAbsent))] string? Name);

/// <summary>The OpenAPI's reply to a send or a card: on failure a <c>code</c>; batchSend lists the users it did not serve.</summary>
internal sealed record OpenApiReply(
    [property: JsonConverter(typeof(StringOrAbsent))] string? Code,
    Typed<JsonElement[]> InvalidStaffIdList,
    Typed<JsonElement[]> FlowControlledStaffIdList)
{
    /// <summary>Whether batchSend listed the user as not served, for either reason.</summary>
    public bool Unserved(string userId) => Listed(InvalidStaffIdList, userId) || FlowControlled(userId);

    public bool FlowControlled(string userId) => Listed(FlowControlledStaffIdList, userId);

    private static bool Listed(Typed<JsonElement[]> list, string userId) =>
        (list.Value ?? []).Any(e => e.ValueKind == JsonValueKind.String && e.GetString() == userId);
}

/// <summary><c>v1.0/oauth2/accessToken</c>.</summary>
internal sealed record TokenReply(
    [property: JsonConverter(typeof(StringOrAbsent))] string? Code,
    [property: JsonConverter(typeof(StringOrAbsent))] string? AccessToken,
    [property: JsonConverter(typeof(Int32OrAbsent))] int? ExpireIn);

/// <summary><c>v1.0/gateway/connections/open</c>: where to connect, with a single-use ticket.</summary>
internal sealed record GatewayReply(
    [property: JsonConverter(typeof(StringOrAbsent))] string? Code,
    [property: JsonConverter(typeof(StringOrAbsent))] string? Endpoint,
    [property: JsonConverter(typeof(StringOrAbsent))] string? Ticket);

/// <summary>The replies' generated code: names as DingTalk writes them, matched exactly.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OapiReply))]
[JsonSerializable(typeof(UserReply))]
[JsonSerializable(typeof(UserResult))]
[JsonSerializable(typeof(JsonElement[]))]
[JsonSerializable(typeof(SubDepartmentsReply))]
[JsonSerializable(typeof(Typed<SubDepartment>[]))]
[JsonSerializable(typeof(SubDepartment))]
[JsonSerializable(typeof(OpenApiReply))]
[JsonSerializable(typeof(TokenReply))]
[JsonSerializable(typeof(GatewayReply))]
internal sealed partial class DingTalkReplyJson : JsonSerializerContext;
