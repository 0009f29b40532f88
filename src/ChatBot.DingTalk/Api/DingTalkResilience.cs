using System.Net;
using ChatBot.Core.PlatformApi;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Timeout;

namespace ChatBot.DingTalk.Api;

/// <summary>
/// DingTalk's HTTP pipeline. Sends are not idempotent (no duplicate check), so after a response was possible
/// they are retried only on answers that mean "not sent": 429, the QPS-limit codes, and the webhook's
/// "send too fast" 130101 (dingtalk.md §3, §6). The token and directory calls are reads, also retried on 5xx.
/// </summary>
internal static class DingTalkResilience
{
    public static IHttpClientBuilder AddDingTalkResilience(this IHttpClientBuilder client) =>
        client.AddPlatformResilience("dingtalk", ShouldRetry);

    internal static async ValueTask<bool> ShouldRetry(HttpRequestMessage? request, Outcome<HttpResponseMessage> outcome)
    {
        var idempotent = request?.RequestUri?.AbsolutePath is { } path
            && (path.EndsWith("/oauth2/accessToken", StringComparison.Ordinal) || path.EndsWith("/topapi/v2/user/get", StringComparison.Ordinal)
                || path.EndsWith("/topapi/v2/department/listsub", StringComparison.Ordinal));
        switch (outcome)
        {
            case { Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } }:
                return true;
            case { Exception: HttpRequestException or TimeoutRejectedException }:
                return idempotent;
            case { Result: { StatusCode: HttpStatusCode.TooManyRequests } }:
                return true;
            case { Result: { } response } when (int)response.StatusCode >= 500:
                return idempotent;
            case { Result: { } response }:
                var text = await response.Content.ReadAsStringAsync();
                if (text.Contains("QpsLimit", StringComparison.Ordinal))
                {
                    return true;
                }

                return DingTalkApiClient.ErrcodeIn(text) == 130101;

            default:
                return false;
        }
    }
}
