using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.PlatformApi;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ChatBot.WeCom.Api;

/// <summary>
/// The self-built app's API (wecom.md §3) and its directory: an access token cached per app — one refresh at a time, renewed five
/// minutes before expiry, dropped and fetched again once when WeCom answers 40014/42001/41001 — and message/send.
/// WeCom reports failure as <c>errcode</c> inside an HTTP 200; that is what is read, never <c>errmsg</c>.
/// </summary>
internal sealed class WeComApiClient(HttpClient http, IOptionsMonitor<WeComOptions> options, TimeProvider clock) : IDepartmentDirectory
{
    private readonly AccessTokenCache _token = new(clock);

    /// <summary>The app's credentials as last verified by a token call, for <c>/readyz</c>.</summary>
    public HealthCheckResult CredentialsHealth() => options.CurrentValue.App.Enabled
        ? _token.Health("WeCom:App:CorpId and WeCom:App:Secret")
        : HealthCheckResult.Healthy("the app channel is off");

    public static bool IsTokenError(int errcode) => errcode is 40014 or 42001 or 41001;

    /// <summary>Busy (-1), frequency (45009) and concurrency (45033) limits pass; everything else will not.</summary>
    public static bool IsTransient(int errcode) => errcode is -1 or 45009 or 45033;

    public Task<string> TokenAsync(CancellationToken cancellationToken) => _token.GetAsync(async ct =>
    {
        var app = options.CurrentValue.App;
        var reply = await GetJsonAsync($"cgi-bin/gettoken?corpid={Uri.EscapeDataString(app.CorpId)}&corpsecret={Uri.EscapeDataString(app.Secret)}", WeComReplyJson.Default.TokenReply, ct);
        var errcode = reply.Errcode ?? 0;
        if (errcode != 0 || reply.AccessToken is not { } token)
        {
            // 60020 names the caller's IP in errmsg ("not allow to access from your ip, … from ip: 1.2.3.4"): the admin
            // adds exactly that address as trusted, so it is kept (an address, not a secret).
            var from = errcode == 60020
                && System.Text.RegularExpressions.Regex.Match(reply.Errmsg ?? "", @"from ip:\s*([0-9a-fA-F.:]+)") is { Success: true } ip ? $" (from ip {ip.Groups[1].Value})" : "";
            throw new PlatformApiException("WeCom", $"gettoken errcode {errcode}{from}", IsTransient(errcode));
        }

        return (token, TimeSpan.FromSeconds(reply.ExpiresIn ?? 7200));
    }, cancellationToken);

    /// <summary>Sends one text or Markdown message (≤ 2,048 bytes) to a user through the app.</summary>
    /// <param name="markdown">As the app's <c>markdown</c> message instead of text (same 2,048-byte limit).</param>
    public async Task SendTextAsync(string userId, int agentId, string content, CancellationToken cancellationToken, bool markdown = false)
    {
        // The message type's own member only: WeCom reads "text" or "markdown" by msgtype, and a null beside it is
        // left out. WeCom drops an identical message within the window: a retried send is not delivered twice.
        var body = new AppMessage(userId, markdown ? "markdown" : "text", agentId,
            markdown ? null : new ContentOnly(content), markdown ? new ContentOnly(content) : null,
            EnableDuplicateCheck: 1, DuplicateCheckInterval: 1800);
        await WithTokenAsync("message/send", async token =>
        {
            using var response = await http.PostAsJsonAsync($"cgi-bin/message/send?access_token={Uri.EscapeDataString(token)}", body, WeComJson.Default.AppMessage, cancellationToken);
            response.EnsureSuccessStatusCode();
            return await ReadAsync(response, WeComReplyJson.Default.WeComReply, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>
    /// The departments a member belongs to (<c>cgi-bin/user/get</c>, the app's contact permission): ids, which WeCom
    /// still returns to apps that no longer see names.
    /// </summary>
    /// <returns>Null when no app secret is configured: an AI-bot-only deployment has no directory to ask.</returns>
    public async Task<IReadOnlyList<string>?> DepartmentsOfAsync(string userId, CancellationToken cancellationToken)
    {
        var app = options.CurrentValue.App;
        if (string.IsNullOrWhiteSpace(app.Secret) || string.IsNullOrWhiteSpace(app.CorpId))
        {
            return null;
        }

        var reply = await WithTokenAsync("user/get", token =>
            GetJsonAsync($"cgi-bin/user/get?access_token={Uri.EscapeDataString(token)}&userid={Uri.EscapeDataString(userId)}", WeComReplyJson.Default.MemberReply, cancellationToken), cancellationToken);
        return (reply.Department.Value ?? []).Select(d => d.ToString()).ToList();
    }

    /// <summary>
    /// Every department the app's visible range holds (<c>cgi-bin/department/list</c>). WeCom gives names only to apps with
    /// the permission to read them; otherwise <c>name</c> is absent and the entry's name is null.
    /// </summary>
    public async Task<IReadOnlyList<DepartmentEntry>?> ListAsync(CancellationToken cancellationToken)
    {
        var app = options.CurrentValue.App;
        if (string.IsNullOrWhiteSpace(app.Secret) || string.IsNullOrWhiteSpace(app.CorpId))
        {
            return null;
        }

        var reply = await WithTokenAsync("department/list", token =>
            GetJsonAsync($"cgi-bin/department/list?access_token={Uri.EscapeDataString(token)}", WeComReplyJson.Default.DepartmentsReply, cancellationToken), cancellationToken);
        // An entry without an id names nothing an access rule could use.
        return (reply.Department.Value ?? [])
            .Select(d => d.Value)
            .Where(d => d is not null && d.Id.ValueKind is JsonValueKind.Number or JsonValueKind.String)
            .Select(d => new DepartmentEntry(d!.Id.ToString(), d.Name is { Length: > 0 } name ? name : null))
            .ToList();
    }

    /// <summary>One call with the cached token (a revoked or expired one is replaced once). Errors are read from <c>errcode</c>.</summary>
    private async Task<T> WithTokenAsync<T>(string what, Func<string, Task<T>> call, CancellationToken cancellationToken)
        where T : WeComReply
    {
        var reply = await _token.CallAsync(TokenAsync, call, r => IsTokenError(r.Errcode ?? 0), cancellationToken);
        var errcode = reply.Errcode ?? 0;
        return errcode == 0 ? reply : throw new PlatformApiException("WeCom", $"{what} errcode {errcode}", IsTransient(errcode));
    }

    /// <summary>The <c>errcode</c> of a body that may not be WeCom's JSON at all (empty, a proxy's page): null then.</summary>
    internal static int? ErrcodeIn(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, WeComReplyJson.Default.WeComReply)?.Errcode;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The AI bot's one-shot <c>response_url</c>: one markdown message, no token (wecom.md §2).</summary>
    public async Task RespondAsync(Uri responseUrl, string markdown, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(responseUrl, new BotMessage("markdown", Markdown: new ContentOnly(markdown)), WeComJson.Default.BotMessage, cancellationToken);
        // WeCom's own error body decides, whatever the status: a 5xx that carries an errcode was refused, not lost.
        // Empty (WeCom's usual success) or not WeCom's: the status decides.
        var errcode = ErrcodeIn(await response.Content.ReadAsStringAsync(cancellationToken));
        if (errcode is null or 0)
        {
            response.EnsureSuccessStatusCode();
            return;
        }

        throw new PlatformApiException("WeCom", $"aibot response errcode {errcode}", IsTransient(errcode.Value));
    }

    private async Task<T> GetJsonAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        return await ReadAsync(response, type, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(cancellationToken), type, cancellationToken)
        ?? throw new JsonException("WeCom answered null");
}
