namespace ChatBot.Core.PlatformApi;

/// <summary>
/// URLs taken from a callback (WeCom <c>response_url</c>, DingTalk <c>sessionWebhook</c>) are only called on an
/// allow-listed host, over HTTPS (plain HTTP only to loopback, for tests and local gateways): a forged or
/// misdirected callback cannot make the bot send requests to internal services.
/// </summary>
public static class ReplyUrlGuard
{
    public static bool IsAllowed(string? url, IReadOnlyCollection<string> allowedHosts) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && allowedHosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
        && string.IsNullOrEmpty(uri.UserInfo);
}
