namespace ChatBot.Core.PlatformApi;

/// <summary>A platform API said no. <see cref="Transient"/>: busy or throttled, worth a retry later.</summary>
public sealed class PlatformApiException(string platform, string code, bool transient)
    : Exception($"{platform} API error {code}{(transient ? " (transient)" : "")}")
{
    public string Code { get; } = code;

    public bool Transient { get; } = transient;
}
