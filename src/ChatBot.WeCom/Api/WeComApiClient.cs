using System.Net.Http.Json;
using System.Text.Json;
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
        using var document = await GetJsonAsync($"cgi-bin/gettoken?corpid={Uri.EscapeDataString(app.CorpId)}&corpsecret={Uri.EscapeDataString(app.Secret)}", ct);
        var root = document.RootElement;
        var errcode = root.TryGetProperty("errcode", out var code) ? code.GetInt32() : 0;
        if (errcode != 0 || !root.TryGetProperty("access_token", out var token))
        {
            // 60020 names the caller's IP in errmsg ("not allow to access from your ip, … from ip: 1.2.3.4"): the admin
            // adds exactly that address as trusted, so it is kept (an address, not a secret).
            var from = errcode == 60020 && root.TryGetProperty("errmsg", out var errmsg)
                && System.Text.RegularExpressions.Regex.Match(errmsg.GetString() ?? "", @"from ip:\s*([0-9a-fA-F.:]+)") is { Success: true } ip ? $" (from ip {ip.Groups[1].Value})" : "";
            throw new PlatformApiException("WeCom", $"gettoken errcode {errcode}{from}", IsTransient(errcode));
        }

        return (token.GetString()!, TimeSpan.FromSeconds(root.TryGetProperty("expires_in", out var expires) ? expires.GetInt32() : 7200));
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
        using var _ = await WithTokenAsync("message/send", async token =>
        {
            using var response = await http.PostAsJsonAsync($"cgi-bin/message/send?access_token={Uri.EscapeDataString(token)}", body, WeComJson.Default.AppMessage, cancellationToken);
            response.EnsureSuccessStatusCode();
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
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

        using var document = await WithTokenAsync("user/get", token =>
            GetJsonAsync($"cgi-bin/user/get?access_token={Uri.EscapeDataString(token)}&userid={Uri.EscapeDataString(userId)}", cancellationToken), cancellationToken);
        return document.RootElement.TryGetProperty("department", out var departments) && departments.ValueKind == JsonValueKind.Array
            ? departments.EnumerateArray().Select(d => d.ToString()).ToList()
            : [];
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

        using var document = await WithTokenAsync("department/list", token =>
            GetJsonAsync($"cgi-bin/department/list?access_token={Uri.EscapeDataString(token)}", cancellationToken), cancellationToken);
        return document.RootElement.TryGetProperty("department", out var departments) && departments.ValueKind == JsonValueKind.Array
            ? departments.EnumerateArray()
                .Select(d => new DepartmentEntry(d.GetProperty("id").ToString(), d.TryGetProperty("name", out var name) && name.GetString() is { Length: > 0 } n ? n : null))
                .ToList()
            : [];
    }

    /// <summary>One call with the cached token (a revoked or expired one is replaced once). Errors are read from <c>errcode</c>.</summary>
    private async Task<JsonDocument> WithTokenAsync(string what, Func<string, Task<JsonDocument>> call, CancellationToken cancellationToken)
    {
        var document = await _token.CallAsync(TokenAsync, call, d => IsTokenError(Errcode(d)), cancellationToken);
        var errcode = Errcode(document);
        if (errcode == 0)
        {
            return document;
        }

        document.Dispose();
        throw new PlatformApiException("WeCom", $"{what} errcode {errcode}", IsTransient(errcode));
    }

    private static int Errcode(JsonDocument document) =>
        document.RootElement.TryGetProperty("errcode", out var code) && code.ValueKind == JsonValueKind.Number ? code.GetInt32() : 0;

    /// <summary>The AI bot's one-shot <c>response_url</c>: one markdown message, no token (wecom.md §2).</summary>
    public async Task RespondAsync(Uri responseUrl, string markdown, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(responseUrl, new BotMessage("markdown", Markdown: new ContentOnly(markdown)), WeComJson.Default.BotMessage, cancellationToken);
        // WeCom's own error body decides, whatever the status: a 5xx that carries an errcode was refused, not lost.
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        int? errcode = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            errcode = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("errcode", out var code)
                && code.ValueKind == JsonValueKind.Number ? code.GetInt32() : null;
        }
        catch (JsonException)
        {
            // Empty (WeCom's usual success) or not WeCom's: the status decides.
        }

        if (errcode is null or 0)
        {
            response.EnsureSuccessStatusCode();
            return;
        }

        throw new PlatformApiException("WeCom", $"aibot response errcode {errcode}", IsTransient(errcode.Value));
    }

    private async Task<JsonDocument> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        response.EnsureSuccessStatusCode();
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
    }
}
