using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatBot.IntegrationTests.Fakes;

/// <summary>
/// WeCom's API as wecom.md §2–§5 describes it: gettoken (checks corpid and secret), message/send (checks the
/// token, the shape, the agent and the 2,048-byte limit; errcode in a 200), the AI bot's one-shot response_url, and
/// the directory's user/get (department ids).
/// </summary>
public sealed class FakeWeCom(string corpId, string secret, int agentId) : FakePlatform
{
    private readonly ConcurrentDictionary<string, bool> _tokens = new();
    private readonly ConcurrentDictionary<string, bool> _usedResponseCodes = new();
    private readonly ConcurrentDictionary<(string, string), DateTimeOffset> _recent = new();
    private int _issued;

    /// <summary>Sends WeCom accepted but did not deliver again: the same text to the same user inside the duplicate-check window.</summary>
    public int DuplicatesDropped { get; private set; }

    public ConcurrentQueue<(string User, string Content)> AppMessages { get; } = new();

    /// <summary>The app messages that came as <c>markdown</c> (also in <see cref="AppMessages"/>).</summary>
    public ConcurrentQueue<(string User, string Content)> MarkdownMessages { get; } = new();

    public ConcurrentQueue<(string ResponseCode, string Markdown)> AiBotResponses { get; } = new();

    public int TokensIssued => _issued;

    /// <summary>The directory: user id → department ids. A user not listed gets 60111 (userid not found).</summary>
    public ConcurrentDictionary<string, int[]> Departments { get; } = new();

    public int DirectoryLookups => _lookups;

    /// <summary>The department list (<c>department/list</c>): id → name.</summary>
    public ConcurrentDictionary<int, string> DepartmentNames { get; } = new();

    /// <summary>As WeCom answers apps created since 2022 without the permission: ids without names.</summary>
    public bool WithholdDepartmentNames { get; set; }

    public int DepartmentListCalls => _listCalls;

    private int _listCalls;

    private int _lookups;

    /// <summary>Revokes every token issued so far, as WeCom may do before expiry (40014 afterwards).</summary>
    public void RevokeTokens() => _tokens.Clear();

    public string ResponseUrl(string code) => new Uri(BaseUrl, $"/cgi-bin/aibot/response?response_code={code}").ToString();

    protected override void Map(WebApplication app)
    {
        app.MapGet("/cgi-bin/gettoken", (string? corpid, string? corpsecret) =>
        {
            if (corpid != corpId || corpsecret != secret)
            {
                return Results.Json(new { errcode = 40001, errmsg = "invalid credential" });
            }

            var token = $"tok{Interlocked.Increment(ref _issued)}-{Guid.NewGuid():N}";
            _tokens[token] = true;
            return Results.Json(new { errcode = 0, errmsg = "ok", access_token = token, expires_in = 7200 });
        });

        app.MapGet("/cgi-bin/user/get", (string? access_token, string? userid) =>
        {
            Interlocked.Increment(ref _lookups);
            if (string.IsNullOrEmpty(access_token) || !_tokens.ContainsKey(access_token))
            {
                return Results.Json(new { errcode = string.IsNullOrEmpty(access_token) ? 41001 : 40014, errmsg = "invalid access_token" });
            }

            // Since 2022 WeCom returns names only to older apps; department ids always (wecom.md §3, user/get).
            return userid is not null && Departments.TryGetValue(userid, out var departments)
                ? Results.Json(new { errcode = 0, errmsg = "ok", userid, department = departments, main_department = departments.FirstOrDefault() })
                : Results.Json(new { errcode = 60111, errmsg = "invalid userid" });
        });

        app.MapGet("/cgi-bin/department/list", (string? access_token) =>
        {
            Interlocked.Increment(ref _listCalls);
            if (string.IsNullOrEmpty(access_token) || !_tokens.ContainsKey(access_token))
            {
                return Results.Json(new { errcode = string.IsNullOrEmpty(access_token) ? 41001 : 40014, errmsg = "invalid access_token" });
            }

            var departments = DepartmentNames.OrderBy(d => d.Key)
                .Select(d => WithholdDepartmentNames ? (object)new { id = d.Key, parentid = 1, order = 1 } : new { id = d.Key, name = d.Value, parentid = 1, order = 1 });
            return Results.Json(new { errcode = 0, errmsg = "ok", department = departments });
        });

        app.MapPost("/cgi-bin/message/send", async (HttpRequest request, string? access_token) =>
        {
            if (string.IsNullOrEmpty(access_token))
            {
                return Results.Json(new { errcode = 41001, errmsg = "access_token missing" });
            }

            if (!_tokens.ContainsKey(access_token))
            {
                return Results.Json(new { errcode = 40014, errmsg = "invalid access_token" });
            }

            using var json = JsonDocument.Parse(await BodyAsync(request));
            var root = json.RootElement;
            // text {content} or markdown {content} (wecom.md §3), the same 2,048-byte limit.
            var type = root.GetProperty("msgtype").GetString();
            if (type is not ("text" or "markdown") || !root.TryGetProperty(type, out var message) || root.GetProperty("agentid").GetInt32() != agentId
                || root.GetProperty("touser").GetString() is not { Length: > 0 } user)
            {
                return Results.Json(new { errcode = 40008, errmsg = "invalid message type or agent" });
            }

            var content = message.GetProperty("content").GetString() ?? "";
            if (Encoding.UTF8.GetByteCount(content) > 2048)
            {
                return Results.Json(new { errcode = 45002, errmsg = "content size out of limit" });
            }

            // WeCom's duplicate check: the same text to the same user inside the interval is accepted and dropped.
            var now = DateTimeOffset.UtcNow;
            if (root.TryGetProperty("enable_duplicate_check", out var check) && check.GetInt32() == 1
                && _recent.TryGetValue((user, content), out var sent) && now - sent < TimeSpan.FromSeconds(root.GetProperty("duplicate_check_interval").GetInt32()))
            {
                DuplicatesDropped++;
                return Results.Json(new { errcode = 0, errmsg = "ok", invaliduser = "", msgid = Guid.NewGuid().ToString("N") });
            }

            _recent[(user, content)] = now;
            if (type == "markdown")
            {
                MarkdownMessages.Enqueue((user, content));
            }

            AppMessages.Enqueue((user, content));
            return Results.Json(new { errcode = 0, errmsg = "ok", invaliduser = "", msgid = Guid.NewGuid().ToString("N") });
        });

        app.MapPost("/cgi-bin/aibot/response", async (HttpRequest request, string? response_code) =>
        {
            if (string.IsNullOrEmpty(response_code) || !_usedResponseCodes.TryAdd(response_code, true))
            {
                // One call per URL (wecom.md §2).
                return Results.Json(new { errcode = 40071, errmsg = "response_code used or invalid" });
            }

            using var json = JsonDocument.Parse(await BodyAsync(request));
            var content = json.RootElement.GetProperty("markdown").GetProperty("content").GetString() ?? "";
            if (json.RootElement.GetProperty("msgtype").GetString() != "markdown" || Encoding.UTF8.GetByteCount(content) > 20480)
            {
                _usedResponseCodes.TryRemove(response_code, out _);
                return Results.Json(new { errcode = 45002, errmsg = "content size out of limit" });
            }

            AiBotResponses.Enqueue((response_code, content));
            return Results.Json(new { errcode = 0, errmsg = "ok" });
        });
    }
}
