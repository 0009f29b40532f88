using ChatBot.Core.Configuration;
using ChatBot.Core.Replies;
using Microsoft.Extensions.Options;

namespace ChatBot.DingTalk;

/// <summary>How DingTalk reaches the bot: HTTP callbacks to a public URL, or the Stream mode's outbound WebSocket.</summary>
public enum DingTalkMode
{
    Http,
    Stream,
}

/// <summary>Section <c>DingTalk</c>: an enterprise-internal app robot. Off while ClientSecret is empty.</summary>
public sealed class DingTalkOptions
{
    public const string Section = "DingTalk";

    /// <summary>
    /// <c>Http</c>: DingTalk posts callbacks to <c>/dingtalk/callback</c> (a public HTTPS URL). <c>Stream</c>: the bot
    /// dials out to DingTalk's gateway over <c>wss://…:443</c> and needs no public URL; the robot's receive mode in the
    /// developer console must match.
    /// </summary>
    public DingTalkMode Mode { get; set; } = DingTalkMode.Http;

    /// <summary>Stream mode: how often the socket is probed (WebSocket ping); a socket that does not answer in time is replaced.</summary>
    public TimeSpan StreamKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The app's Client ID (AppKey), for access tokens.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The app's Client Secret (AppSecret): signs callbacks and gets tokens. Environment only.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>The robot code for OpenAPI sends; empty means the Client ID, as the official SDK does.</summary>
    public string RobotCode { get; set; } = "";

    /// <summary>New API (tokens, group and 1:1 sends); configurable for tests and overseas tenants (api.dingtalk.io).</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://api.dingtalk.com");

    /// <summary>The older API host, where the directory still lives (<c>topapi/v2/user/get</c>); same token.</summary>
    public Uri OapiBaseUrl { get; set; } = new("https://oapi.dingtalk.com");

    /// <summary>
    /// How far the <c>timestamp</c> header may be from our clock. DingTalk accepts ±1 h (dingtalk.md §2), but its
    /// signature covers only the timestamp, so a captured header pair could carry any body for that long. Five
    /// minutes covers clock skew and redelivery; each signature also serves only the first message it carried.
    /// </summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Hosts a callback's <c>sessionWebhook</c> may point to (no server-side request forgery).</summary>
    public List<string> AllowedReplyHosts { get; set; } = ["oapi.dingtalk.com"];

    /// <summary>
    /// An AI/interactive card template (from DingTalk's card platform, published, the app granted Card.Instance.Write
    /// and Card.Streaming.Write) through which answers stream as they are generated. Empty: answers go as plain
    /// messages. A card DingTalk refuses falls back to the plain message.
    /// </summary>
    public string StreamingCardTemplateId { get; set; } = "";

    /// <summary>
    /// Markdown (default): answers go as DingTalk's <c>markdown</c> / <c>sampleMarkdown</c> messages, which every DingTalk
    /// client renders (headings, bold, lists, links, quotes; tables written as rows). Text: plain text messages, in
    /// which an @-mention in a group is highlighted (DingTalk does not highlight it inside Markdown).
    /// </summary>
    public ReplyFormat MessageFormat { get; set; } = ReplyFormat.Markdown;

    /// <summary>The template's variable that holds the answer text (the streaming key).</summary>
    public string StreamingCardContentKey { get; set; } = "content";

    public bool Enabled => !string.IsNullOrWhiteSpace(ClientSecret);

    public string EffectiveRobotCode => string.IsNullOrEmpty(RobotCode) ? ClientId : RobotCode;
}

internal sealed class DingTalkOptionsValidator : IValidateOptions<DingTalkOptions>
{
    public ValidateOptionsResult Validate(string? name, DingTalkOptions options)
    {
        var errors = new List<string>();
        foreach (var (key, value) in new[] { ("DingTalk:ClientId", options.ClientId), ("DingTalk:ClientSecret", options.ClientSecret), ("DingTalk:RobotCode", options.RobotCode) })
        {
            if (Placeholder.Is(value))
            {
                errors.Add(Placeholder.Message(key, key.Replace(":", "__", StringComparison.Ordinal)));
            }
        }

        if (errors.Count > 0)
        {
            return ValidateOptionsResult.Fail(errors);
        }

        foreach (var (key, url) in new[] { ("DingTalk:ApiBaseUrl", options.ApiBaseUrl), ("DingTalk:OapiBaseUrl", options.OapiBaseUrl) })
        {
            if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
            {
                errors.Add($"{key} must be an absolute http(s) URL; got '{url}'.");
            }
        }

        if (options.TimestampTolerance <= TimeSpan.Zero)
        {
            errors.Add($"DingTalk:TimestampTolerance must be positive; got '{options.TimestampTolerance}'.");
        }

        if (Placeholder.Is(options.StreamingCardTemplateId))
        {
            errors.Add(Placeholder.Message("DingTalk:StreamingCardTemplateId", "DingTalk__StreamingCardTemplateId"));
        }
        else if (options.StreamingCardTemplateId != options.StreamingCardTemplateId.Trim())
        {
            errors.Add($"DingTalk:StreamingCardTemplateId has leading or trailing whitespace; got '{options.StreamingCardTemplateId}'.");
        }

        if (string.IsNullOrWhiteSpace(options.StreamingCardContentKey) && !string.IsNullOrEmpty(options.StreamingCardTemplateId))
        {
            errors.Add("DingTalk:StreamingCardContentKey is required when DingTalk:StreamingCardTemplateId is set: the template's variable for the answer text (e.g. content).");
        }

        if (!Enum.IsDefined(options.Mode))
        {
            errors.Add($"DingTalk:Mode must be Http or Stream; got '{options.Mode}'.");
        }

        if (options.StreamKeepAlive < TimeSpan.FromSeconds(1) || options.StreamKeepAlive > TimeSpan.FromMinutes(2))
        {
            errors.Add($"DingTalk:StreamKeepAlive must be between 00:00:01 and 00:02:00; got '{options.StreamKeepAlive}'.");
        }

        if (options.Enabled || !string.IsNullOrEmpty(options.ClientId))
        {
            if (string.IsNullOrWhiteSpace(options.ClientId))
            {
                errors.Add("DingTalk:ClientId is required when DingTalk:ClientSecret is set (replies need an access token).");
            }

            if (!options.Enabled)
            {
                errors.Add("DingTalk:ClientSecret is required when DingTalk:ClientId is set; set it through the environment: DingTalk__ClientSecret.");
            }
            else if (options.ClientSecret != options.ClientSecret.Trim())
            {
                // A pasted secret with a trailing space signs differently: a classic sign mismatch (dingtalk.md §7).
                errors.Add("DingTalk:ClientSecret has leading or trailing whitespace; paste it again without it.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
