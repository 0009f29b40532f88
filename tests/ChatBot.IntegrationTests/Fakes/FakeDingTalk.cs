using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatBot.IntegrationTests.Fakes;

/// <summary>
/// DingTalk's reply APIs as dingtalk.md §4 describes them: the sessionWebhook (errcode body, 300001 once expired),
/// the OAuth token, the OpenAPI group and 1:1 sends (token header, msgParam a JSON string ≤ 15,000 bytes), and the
/// older host's directory (topapi/v2/user/get); the card API is in FakeDingTalk.Cards.cs.
/// </summary>
public sealed partial class FakeDingTalk(string clientId, string clientSecret) : FakePlatform
{
    private readonly ConcurrentDictionary<string, bool> _tokens = new();
    private readonly ConcurrentDictionary<string, bool> _expiredSessions = new();

    private string ClientId => clientId;

    private string ClientSecret => clientSecret;

    public ConcurrentQueue<(string Session, string Content, string[] AtUserIds)> WebhookMessages { get; } = new();

    public ConcurrentQueue<(string Conversation, string Content)> GroupMessages { get; } = new();

    /// <summary>The titles of the Markdown messages taken (webhook markdown, OpenAPI sampleMarkdown), in order; their texts are in the queues above.</summary>
    public ConcurrentQueue<string> MarkdownTitles { get; } = new();

    public ConcurrentQueue<(string User, string Content)> DirectMessages { get; } = new();

    /// <summary>The directory: staff id → department ids. A user not listed gets 60121 (user not found).</summary>
    public ConcurrentDictionary<string, long[]> Departments { get; } = new();

    /// <summary>The department tree (<c>topapi/v2/department/listsub</c>): id → (name, parent id); the root is 1.</summary>
    public ConcurrentDictionary<long, (string Name, long Parent)> DepartmentTree { get; } = new();

    public string Webhook(string session) => new Uri(BaseUrl, $"/robot/sendBySession?session={session}").ToString();

    public void ExpireSession(string session) => _expiredSessions[session] = true;

    public void RevokeTokens() => _tokens.Clear();

    protected override void Map(WebApplication app)
    {
        MapStream(app);
        MapCards(app);
        app.MapPost("/v1.0/oauth2/accessToken", async (HttpRequest request) =>
        {
            using var json = JsonDocument.Parse(await BodyAsync(request));
            if (json.RootElement.GetProperty("appKey").GetString() != clientId || json.RootElement.GetProperty("appSecret").GetString() != clientSecret)
            {
                return Results.Json(new { code = "invalidClientIdOrSecret", message = "bad credentials" }, statusCode: 400);
            }

            var token = Guid.NewGuid().ToString("N");
            _tokens[token] = true;
            return Results.Json(new { accessToken = token, expireIn = 7200 });
        });

        // The older host's directory: token as a query parameter, errors as errcode in a 200.
        app.MapPost("/topapi/v2/user/get", async (HttpRequest request, string? access_token) =>
        {
            if (string.IsNullOrEmpty(access_token) || !_tokens.ContainsKey(access_token))
            {
                return Results.Json(new { errcode = 40014, errmsg = "不合法的access_token" });
            }

            using var json = JsonDocument.Parse(await BodyAsync(request));
            var userid = json.RootElement.GetProperty("userid").GetString();
            return userid is not null && Departments.TryGetValue(userid, out var departments)
                ? Results.Json(new { errcode = 0, errmsg = "ok", request_id = Guid.NewGuid().ToString("N"), result = new { userid, dept_id_list = departments } })
                : Results.Json(new { errcode = 60121, errmsg = "找不到该用户" });
        });

        app.MapPost("/topapi/v2/department/listsub", async (HttpRequest request, string? access_token) =>
        {
            if (string.IsNullOrEmpty(access_token) || !_tokens.ContainsKey(access_token))
            {
                return Results.Json(new { errcode = 40014, errmsg = "不合法的access_token" });
            }

            using var json = JsonDocument.Parse(await BodyAsync(request));
            var parent = json.RootElement.TryGetProperty("dept_id", out var id) ? id.GetInt64() : 1;
            var children = DepartmentTree.Where(d => d.Value.Parent == parent).OrderBy(d => d.Key)
                .Select(d => new { dept_id = d.Key, name = d.Value.Name, parent_id = parent, create_dept_group = false, auto_add_user = false });
            return Results.Json(new { errcode = 0, errmsg = "ok", request_id = Guid.NewGuid().ToString("N"), result = children });
        });

        app.MapPost("/robot/sendBySession", async (HttpRequest request, string? session) =>
        {
            if (string.IsNullOrEmpty(session) || _expiredSessions.ContainsKey(session))
            {
                return Results.Json(new { errcode = 300001, errmsg = "session 不存在" });
            }

            using var json = JsonDocument.Parse(await BodyAsync(request));
            var root = json.RootElement;
            // text {content} or markdown {title, text} (dingtalk.md §4.1), both non-empty.
            var type = root.GetProperty("msgtype").GetString();
            var content = type switch
            {
                "text" => root.TryGetProperty("text", out var t) && t.TryGetProperty("content", out var c) ? c.GetString() : null,
                "markdown" => root.TryGetProperty("markdown", out var m) && m.TryGetProperty("title", out var title) && title.GetString() is { Length: > 0 }
                    && m.TryGetProperty("text", out var x) ? x.GetString() : null,
                _ => null,
            };
            if (string.IsNullOrEmpty(content))
            {
                return Results.Json(new { errcode = 400105, errmsg = "不支持的消息类型或缺少参数" });
            }

            if (type == "markdown")
            {
                MarkdownTitles.Enqueue(root.GetProperty("markdown").GetProperty("title").GetString()!);
            }

            var at = root.TryGetProperty("at", out var a) && a.TryGetProperty("atUserIds", out var ids) ? ids.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
            WebhookMessages.Enqueue((session, content, at));
            return Results.Json(new { errcode = 0, errmsg = "ok" });
        });

        app.MapPost("/v1.0/robot/groupMessages/send", async (HttpRequest request) =>
        {
            if (Unauthorized(request) is { } denied)
            {
                return denied;
            }

            using var json = JsonDocument.Parse(await BodyAsync(request));
            var root = json.RootElement;
            if (Content(root) is not { } content)
            {
                return Results.Json(new { code = "invalidParameter.msgParam.tooLong", message = "msgParam too long or invalid" }, statusCode: 400);
            }

            GroupMessages.Enqueue((root.GetProperty("openConversationId").GetString()!, content));
            return Results.Json(new { processQueryKey = Guid.NewGuid().ToString("N") });
        });

        app.MapPost("/v1.0/robot/oToMessages/batchSend", async (HttpRequest request) =>
        {
            if (Unauthorized(request) is { } denied)
            {
                return denied;
            }

            using var json = JsonDocument.Parse(await BodyAsync(request));
            var root = json.RootElement;
            if (Content(root) is not { } content)
            {
                return Results.Json(new { code = "invalidParameter.msgParam.tooLong", message = "msgParam too long or invalid" }, statusCode: 400);
            }

            foreach (var user in root.GetProperty("userIds").EnumerateArray())
            {
                DirectMessages.Enqueue((user.GetString()!, content));
            }

            return Results.Json(new { processQueryKey = Guid.NewGuid().ToString("N"), invalidStaffIdList = Array.Empty<string>(), flowControlledStaffIdList = Array.Empty<string>() });
        });
    }

    private IResult? Unauthorized(HttpRequest request) =>
        request.Headers["x-acs-dingtalk-access-token"].ToString() is { Length: > 0 } token && _tokens.ContainsKey(token)
            ? null
            : Results.Json(new { code = "InvalidAuthentication", message = "token invalid" }, statusCode: 401);

    private string? Content(JsonElement root)
    {
        var msgKey = root.GetProperty("msgKey").GetString();
        if (root.GetProperty("robotCode").GetString() != clientId || msgKey is not ("sampleText" or "sampleMarkdown"))
        {
            return null;
        }

        var msgParam = root.GetProperty("msgParam").GetString()!;
        if (Encoding.UTF8.GetByteCount(msgParam) > 15000)
        {
            return null;
        }

        // sampleText {content}; sampleMarkdown {title, text} (dingtalk.md §4.3).
        using var param = JsonDocument.Parse(msgParam);
        if (msgKey == "sampleText")
        {
            return param.RootElement.TryGetProperty("content", out var content) ? content.GetString() : null;
        }

        if (!param.RootElement.TryGetProperty("title", out var title) || title.GetString() is not { Length: > 0 } titled
            || !param.RootElement.TryGetProperty("text", out var text))
        {
            return null;
        }

        MarkdownTitles.Enqueue(titled);
        return text.GetString();
    }
}
