using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatBot.IntegrationTests.Fakes;

/// <summary>
/// DingTalk's card API as its OpenAPI documents it (card_1_0 in the official SDK): <c>POST
/// /v1.0/card/instances/createAndDeliver</c> (token header; cardTemplateId of a published template, outTrackId,
/// cardData.cardParamMap of strings, an openSpaceId <c>dtv1.card//IM_GROUP.x</c> or <c>dtv1.card//IM_ROBOT.x</c> with its
/// deliver model and robotCode; an outTrackId used twice is refused) and <c>PUT /v1.0/card/streaming</c> (outTrackId,
/// guid, key, content, isFull; an unknown card or one already finalized is refused). The refusal codes for those two
/// are this fake's own: DingTalk documents none, and the bot reads none.
/// </summary>
public sealed partial class FakeDingTalk
{
    /// <summary>Templates published on the card platform; a card from any other is refused (param.templateUnpublished).</summary>
    public ConcurrentDictionary<string, bool> CardTemplates { get; } = new();

    /// <summary>Cards created, by outTrackId, in creation order of their updates.</summary>
    public ConcurrentDictionary<string, FakeCard> Cards { get; } = new();

    /// <summary>The next final update is taken, then its connection dies before the answer: an unknown outcome.</summary>
    public bool LoseNextFinalizeAnswer { get; set; }

    private void MapCards(WebApplication app)
    {
        app.MapPost("/v1.0/card/instances/createAndDeliver", async (HttpRequest request) =>
        {
            if (Unauthorized(request) is { } denied)
            {
                return denied;
            }

            using var json = JsonDocument.Parse(await BodyAsync(request));
            var root = json.RootElement;
            if (Text(root, "cardTemplateId") is not { } template || Text(root, "outTrackId") is not { } id || Text(root, "openSpaceId") is not { } space
                || !root.TryGetProperty("cardData", out var data) || !data.TryGetProperty("cardParamMap", out var map) || map.ValueKind != JsonValueKind.Object
                || map.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
            {
                return Refuse("param.invalid", "cardTemplateId, outTrackId, openSpaceId and cardData.cardParamMap (string values) are required");
            }

            var deliver = space.StartsWith("dtv1.card//IM_GROUP.", StringComparison.OrdinalIgnoreCase) ? "imGroupOpenDeliverModel"
                : space.StartsWith("dtv1.card//IM_ROBOT.", StringComparison.OrdinalIgnoreCase) ? "imRobotOpenDeliverModel" : null;
            if (deliver is null || !root.TryGetProperty(deliver, out var model) || Text(model, "robotCode") != ClientId
                || (deliver == "imRobotOpenDeliverModel" && Text(model, "spaceType") != "IM_ROBOT"))
            {
                return Refuse("param.invalidOpenSpace", "openSpaceId needs its deliver model with this app's robotCode");
            }

            if (!CardTemplates.ContainsKey(template))
            {
                return Refuse("param.templateUnpublished", "param.templateUnpublished");
            }

            // imGroupOpenDeliverModel.atUserIds, when given: an object of staff id → name, strings only.
            Dictionary<string, string>? at = null;
            if (deliver == "imGroupOpenDeliverModel" && model.TryGetProperty("atUserIds", out var ats))
            {
                if (ats.ValueKind != JsonValueKind.Object || ats.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
                {
                    return Refuse("param.invalid", "atUserIds must map user ids to names");
                }

                at = ats.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            }

            var card = new FakeCard(space, map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)) { AtUserIds = at };
            if (!Cards.TryAdd(id, card))
            {
                return Refuse("param.outTrackIdExists", "outTrackId already used");
            }

            return Results.Json(new { success = true, result = new { outTrackId = id, deliverResults = new[] { new { spaceId = space, success = true } } } });
        });

        app.MapPut("/v1.0/card/streaming", async (HttpRequest request) =>
        {
            if (Unauthorized(request) is { } denied)
            {
                return denied;
            }

            using var json = JsonDocument.Parse(await BodyAsync(request));
            var root = json.RootElement;
            if (Text(root, "outTrackId") is not { } id || Text(root, "guid") is not { Length: > 0 } || Text(root, "key") is not { } key
                || Text(root, "content") is not { } content || !root.TryGetProperty("isFull", out var full) || full.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return Refuse("param.invalid", "outTrackId, guid, key, content and isFull are required");
            }

            if (!Cards.TryGetValue(id, out var card))
            {
                return Refuse("param.cardNotExist", "card not found");
            }

            var finalize = root.TryGetProperty("isFinalize", out var f) && f.ValueKind == JsonValueKind.True;
            lock (card)
            {
                if (card.Finalized)
                {
                    return Refuse("param.cardFinalized", "card streaming already finalized");
                }

                if (!card.Variables.ContainsKey(key))
                {
                    return Refuse("param.keyNotExist", "key is not a variable of the card");
                }

                card.Variables[key] = full.GetBoolean() ? content : card.Variables[key] + content;
                card.Updates.Add((card.Variables[key], finalize));
                card.Finalized = finalize;
            }

            if (finalize && LoseNextFinalizeAnswer)
            {
                LoseNextFinalizeAnswer = false;
                request.HttpContext.Abort();
            }

            return Results.Json(new { success = true });
        });
    }

    private static IResult Refuse(string code, string message) => Results.Json(new { code, message }, statusCode: 400);

    private static string? Text(JsonElement root, string property) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>One card instance: where it was delivered, its variables, and every update it accepted (text after it, final).</summary>
public sealed class FakeCard(string space, Dictionary<string, string> variables)
{
    public string Space { get; } = space;

    public Dictionary<string, string> Variables { get; } = variables;

    public List<(string Content, bool Final)> Updates { get; } = [];

    public bool Finalized { get; set; }

    /// <summary>Who the card @-mentions in a group (staff id → name), or null.</summary>
    public Dictionary<string, string>? AtUserIds { get; init; }

    public string Content(string key = "content")
    {
        lock (this)
        {
            return Variables[key];
        }
    }
}
