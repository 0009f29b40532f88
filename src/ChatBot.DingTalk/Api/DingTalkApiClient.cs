using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ChatBot.Core.PlatformApi;
using ChatBot.DingTalk.LongConnection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ChatBot.DingTalk.Api;

/// <summary>
/// DingTalk's reply APIs (dingtalk.md §4): the <c>sessionWebhook</c> (no token, legacy errcode body) and the new
/// OpenAPI with a cached access token (header <c>x-acs-dingtalk-access-token</c>, errors as HTTP status + code), and
/// the older host's <c>topapi</c> (same token as a query parameter, errors as <c>errcode</c>) that
/// <see cref="DingTalkDirectory"/> reads.
/// </summary>
internal sealed class DingTalkApiClient(HttpClient http, IOptionsMonitor<DingTalkOptions> options, TimeProvider clock)
{
    private readonly AccessTokenCache _token = new(clock);

    /// <summary>The app's credentials as last verified by a token call, for <c>/readyz</c>.</summary>
    public HealthCheckResult CredentialsHealth() => options.CurrentValue.Enabled
        ? _token.Health("DingTalk:ClientId and DingTalk:ClientSecret")
        : HealthCheckResult.Healthy("DingTalk is off");

    /// <param name="title">The Markdown message's title (what the chat list and notification show), or null for a text message.</param>
    public static string MsgParam(string content, string? title = null) => title is null
        ? JsonSerializer.Serialize(new TextParam(content), DingTalkJson.Relaxed.TextParam)
        : JsonSerializer.Serialize(new MarkdownParam(title, content), DingTalkJson.Relaxed.MarkdownParam);

    private static string MsgKey(string? title) => title is null ? "sampleText" : "sampleMarkdown";

    /// <param name="title">The Markdown message's title, or null for a text message.</param>
    /// <returns>False when the session has expired (300001): the caller falls back to the OpenAPI.</returns>
    public async Task<bool> SendToWebhookAsync(Uri webhook, string content, string? atUserId, CancellationToken cancellationToken, string? title = null)
    {
        // DingTalk notifies whoever is in at.atUserIds and shows the mention where "@id" is in the content; in Markdown
        // on a line of its own, so a heading or list that opens the answer still renders.
        var text = atUserId is null ? content : title is null ? $"@{atUserId} {content}" : $"@{atUserId}  \n\n{content}";
        var at = atUserId is null ? null : new WebhookAt([atUserId], IsAtAll: false);
        var body = title is null
            ? new WebhookMessage("text", new TextParam(text), null, at)
            : new WebhookMessage("markdown", null, new MarkdownParam(title, text), at);
        using var response = await http.PostAsJsonAsync(webhook, body, DingTalkJson.Default.WebhookMessage, cancellationToken);
        // DingTalk's own error body decides, whatever the status: a 5xx that carries an errcode was refused, not lost.
        var errcode = ErrcodeIn(await response.Content.ReadAsStringAsync(cancellationToken));
        if (errcode is null)
        {
            response.EnsureSuccessStatusCode();
            errcode = 0;
        }

        return errcode switch
        {
            0 => true,
            300001 => false,
            _ => throw new PlatformApiException("DingTalk", $"sessionWebhook errcode {errcode}", errcode is 130101 or 410100 or -1),
        };
    }

    public async Task SendToGroupAsync(string robotCode, string openConversationId, string content, CancellationToken cancellationToken, string? title = null) =>
        await CallOpenApiAsync(HttpMethod.Post, "v1.0/robot/groupMessages/send",
            new GroupMessage(robotCode, openConversationId, MsgKey(title), MsgParam(content, title)), DingTalkJson.Default.GroupMessage, null, cancellationToken);

    public async Task SendToUserAsync(string robotCode, string userId, string content, CancellationToken cancellationToken, string? title = null) =>
        await CallOpenApiAsync(HttpMethod.Post, "v1.0/robot/oToMessages/batchSend",
            new UserMessages(robotCode, [userId], MsgKey(title), MsgParam(content, title)), DingTalkJson.Default.UserMessages, userId, cancellationToken);

    public Task<string> TokenAsync(CancellationToken cancellationToken) => _token.GetAsync(async ct =>
    {
        var settings = options.CurrentValue;
        using var response = await http.PostAsJsonAsync("v1.0/oauth2/accessToken", new AccessTokenRequest(settings.ClientId, settings.ClientSecret), DingTalkJson.Default.AccessTokenRequest, ct);
        var reply = await ReadAsync(response, DingTalkReplyJson.Default.TokenReply, ct);
        var code = reply.Code ?? "";
        if (!response.IsSuccessStatusCode || reply.AccessToken is not { } token)
        {
            throw new PlatformApiException("DingTalk", $"accessToken HTTP {(int)response.StatusCode} {code}", IsTransient(response.StatusCode, code));
        }

        return (token, TimeSpan.FromSeconds(reply.ExpireIn ?? 7200));
    }, cancellationToken);

    /// <summary>
    /// Stream mode's first step (stream-modes.md §1.1): asks the gateway for a WebSocket endpoint and a ticket that is
    /// single-use and valid 90 s, for the robot-message topic. Not retried here: the connection loop backs off.
    /// </summary>
    public async Task<(Uri Endpoint, string Ticket)> OpenStreamAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1.0/gateway/connections/open", UriKind.Relative))
        {
            Content = JsonContent.Create(
                new OpenConnectionRequest(settings.ClientId, settings.ClientSecret, [new StreamSubscription("CALLBACK", StreamTopics.RobotMessage)], "chatbot-dotnet/1.0"),
                DingTalkJson.Default.OpenConnectionRequest),
        };
        // Without it the gateway answers XML (stream-modes.md §1.1).
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await http.SendAsync(request, cancellationToken);
        var reply = await ReadAsync(response, DingTalkReplyJson.Default.GatewayReply, cancellationToken);
        if (response.IsSuccessStatusCode && Uri.TryCreate(reply.Endpoint, UriKind.Absolute, out var uri) && reply.Ticket is { Length: > 0 } ticket)
        {
            return (uri, ticket);
        }

        var code = reply.Code ?? "";
        throw new PlatformApiException("DingTalk", $"gateway open HTTP {(int)response.StatusCode} {code}".TrimEnd(), IsTransient(response.StatusCode, code));
    }

    /// <summary>One call to the older host's <c>topapi/v2/…</c>: token as a query parameter, errors as <c>errcode</c> in a 200.</summary>
    internal async Task<TReply> OapiAsync<TBody, TReply>(string what, TBody body, JsonTypeInfo<TBody> type, JsonTypeInfo<TReply> replyType, CancellationToken cancellationToken)
        where TReply : OapiReply
    {
        // 40014 invalid and 42001 expired token: fetched again once, as the OpenAPI's 401 is.
        var reply = await _token.CallAsync(TokenAsync, async token =>
        {
            var url = new Uri(options.CurrentValue.OapiBaseUrl, $"topapi/v2/{what}?access_token={Uri.EscapeDataString(token)}");
            using var response = await http.PostAsJsonAsync(url, body, type, cancellationToken);
            response.EnsureSuccessStatusCode();
            return await ReadAsync(response, replyType, cancellationToken);
        }, r => r.Errcode is 40014 or 42001, cancellationToken);
        // No errcode at all is not DingTalk's success: -1, as a busy system is.
        var errcode = reply.Errcode ?? -1;
        return errcode == 0 ? reply : throw new PlatformApiException("DingTalk", $"{what} errcode {errcode}", errcode == -1);
    }

    /// <summary>The <c>errcode</c> of a JSON error body; null when the body is not one (empty, HTML from a proxy, cut off).</summary>
    internal static int? ErrcodeIn(string body) => Parse(body, DingTalkReplyJson.Default.OapiReply)?.Errcode;

    internal async Task CallOpenApiAsync<T>(HttpMethod method, string path, T body, JsonTypeInfo<T> type, string? userId, CancellationToken cancellationToken)
    {
        using var reply = await _token.CallAsync(TokenAsync, async token =>
        {
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body, type) };
            request.Headers.Add("x-acs-dingtalk-access-token", token);
            var response = await http.SendAsync(request, cancellationToken);
            try
            {
                return new OpenApiResponse(response, await ReadAsync(response, DingTalkReplyJson.Default.OpenApiReply, cancellationToken));
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }, r => r.Response.StatusCode == HttpStatusCode.Unauthorized || (r.Reply.Code ?? "").Contains("InvalidAuthentication", StringComparison.OrdinalIgnoreCase),
        cancellationToken);
        var (response, said) = (reply.Response, reply.Reply);
        var code = said.Code ?? "";
        if (!response.IsSuccessStatusCode)
        {
            throw new PlatformApiException("DingTalk", $"{path} HTTP {(int)response.StatusCode} {code}", IsTransient(response.StatusCode, code));
        }

        // batchSend answers 200 and lists users it did not serve (dingtalk.md §4.3).
        if (userId is not null && said.Unserved(userId))
        {
            var flowControlled = said.FlowControlled(userId);
            throw new PlatformApiException("DingTalk", flowControlled ? "user flow-controlled" : "user not served (invalidStaffIdList)", flowControlled);
        }
    }

    /// <summary>An OpenAPI response and what its body said; the response is disposed with it.</summary>
    private sealed record OpenApiResponse(HttpResponseMessage Response, OpenApiReply Reply) : IDisposable
    {
        public void Dispose() => Response.Dispose();
    }

    private static bool IsTransient(HttpStatusCode status, string code) =>
        (int)status >= 500 || status == HttpStatusCode.TooManyRequests
        || code.Contains("QpsLimit", StringComparison.Ordinal) || code.Contains("tooFast", StringComparison.OrdinalIgnoreCase);

    /// <summary>The body as <typeparamref name="T"/>; a body that is not one (empty, a proxy's page, cut off) reads as <c>{}</c>.</summary>
    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        Parse(await response.Content.ReadAsStringAsync(cancellationToken), type) ?? JsonSerializer.Deserialize("{}", type)!;

    private static T? Parse<T>(string body, JsonTypeInfo<T> type)
    {
        try
        {
            return body.Length == 0 ? default : JsonSerializer.Deserialize(body, type);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return default;
        }
    }
}
