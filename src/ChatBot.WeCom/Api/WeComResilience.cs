using System.Net;
using ChatBot.Core.PlatformApi;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Timeout;

namespace ChatBot.WeCom.Api;

/// <summary>
/// WeCom's HTTP pipeline. WeCom reports busy (-1) and frequency/concurrency limits (45009, 45033) as an errcode
/// inside HTTP 200, which the standard handler would call success, so the retry reads the errcode. Only idempotent
/// calls are retried after a response was possible: gettoken, and message/send (sent with WeCom's duplicate
/// check). The AI bot's one-shot response_url is retried only when the connection never opened.
/// </summary>
internal static class WeComResilience
{
    public static IHttpClientBuilder AddWeComResilience(this IHttpClientBuilder client) =>
        client.AddPlatformResilience("wecom", ShouldRetry);

    internal static async ValueTask<bool> ShouldRetry(HttpRequestMessage? request, Outcome<HttpResponseMessage> outcome)
    {
        // Unknown request: treat it as the one-shot kind, never risking a second delivery.
        var oneShot = request?.RequestUri?.AbsolutePath.Contains("/aibot/response", StringComparison.Ordinal) != false;
        switch (outcome)
        {
            case { Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } }:
                return true;
            case { Exception: HttpRequestException or TimeoutRejectedException }:
                return !oneShot;
            case { Result: { } response } when (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests:
                return !oneShot;
            case { Result: { IsSuccessStatusCode: true } response }:
                var text = await response.Content.ReadAsStringAsync();
                return WeComApiClient.ErrcodeIn(text.Length == 0 ? "{}" : text) is { } errcode && WeComApiClient.IsTransient(errcode);

            default:
                return false;
        }
    }
}
