using System.Text.Json;
using System.Text.Json.Serialization;
using ChatBot.Core.PlatformApi;

namespace ChatBot.WeCom.Api;

// What WeCom's API answers (wecom.md §3), the fields the bot reads. Failure is an errcode inside an HTTP 200; an
// errcode that is not a number reads as absent, as the JsonDocument reads before these did.

/// <summary>Any reply: <c>errcode</c> (0 or absent: success) and <c>errmsg</c>.</summary>
internal record WeComReply(
    [property: JsonConverter(typeof(Int32OrAbsent))] int? Errcode,
    [property: JsonConverter(typeof(StringOrAbsent))] string? Errmsg);

/// <summary><c>gettoken</c>.</summary>
internal sealed record TokenReply(
    int? Errcode,
    string? Errmsg,
    [property: JsonPropertyName("access_token"), JsonConverter(typeof(StringOrAbsent))] string? AccessToken,
    [property: JsonPropertyName("expires_in"), JsonConverter(typeof(Int32OrAbsent))] int? ExpiresIn) : WeComReply(Errcode, Errmsg);

/// <summary><c>user/get</c>: the member's department ids (numbers, read as written).</summary>
internal sealed record MemberReply(int? Errcode, string? Errmsg, Typed<JsonElement[]> Department) : WeComReply(Errcode, Errmsg);

/// <summary><c>department/list</c>: names only for apps allowed to read them.</summary>
internal sealed record DepartmentsReply(int? Errcode, string? Errmsg, Typed<Typed<DepartmentJson>[]> Department) : WeComReply(Errcode, Errmsg);

internal sealed record DepartmentJson(JsonElement Id, [property: JsonConverter(typeof(StringOrAbsent))] string? Name);

/// <summary>The replies' generated code: names as WeCom writes them, matched exactly.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(WeComReply))]
[JsonSerializable(typeof(TokenReply))]
[JsonSerializable(typeof(MemberReply))]
[JsonSerializable(typeof(JsonElement[]))]
[JsonSerializable(typeof(DepartmentsReply))]
[JsonSerializable(typeof(Typed<DepartmentJson>[]))]
[JsonSerializable(typeof(DepartmentJson))]
internal sealed partial class WeComReplyJson : JsonSerializerContext;
