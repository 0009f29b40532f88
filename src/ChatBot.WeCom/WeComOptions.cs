using ChatBot.Core.Configuration;
using ChatBot.Core.Replies;
using ChatBot.WeCom.Crypto;
using Microsoft.Extensions.Options;

namespace ChatBot.WeCom;

/// <summary>Section <c>WeCom</c>. A channel whose Token is empty stays off; start-up says so.</summary>
public sealed class WeComOptions
{
    public const string Section = "WeCom";

    /// <summary>API base for token and send calls; configurable for tests and private gateways.</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://qyapi.weixin.qq.com");

    /// <summary>How far a callback's timestamp may be from our clock. Retries come within seconds (wecom.md §4).</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Hosts a callback's <c>response_url</c> may point to (no server-side request forgery).</summary>
    public List<string> AllowedReplyHosts { get; set; } = ["qyapi.weixin.qq.com"];

    public WeComAiBotOptions AiBot { get; set; } = new();

    public WeComAppOptions App { get; set; } = new();
}

/// <summary>How the AI bot's messages arrive: callbacks to a public URL, or the bot's own outbound long connection.</summary>
public enum WeComAiBotMode
{
    Callback,
    LongConnection,
}

/// <summary>The AI bot (智能机器人) in API mode: group @-mentions and DMs, JSON callbacks, receiveid "".</summary>
public sealed class WeComAiBotOptions
{
    /// <summary>
    /// <c>Callback</c>: WeCom posts encrypted callbacks to <c>/wecom/aibot/callback</c> (Token, EncodingAesKey).
    /// <c>LongConnection</c>: the bot dials out to <see cref="LongConnectionUrl"/> with <see cref="BotId"/> and
    /// <see cref="Secret"/>; no public URL. WeCom allows one connection per bot: with Redis, one instance holds it.
    /// </summary>
    public WeComAiBotMode Mode { get; set; } = WeComAiBotMode.Callback;

    /// <summary>Long connection: the BotID shown in the console's API mode.</summary>
    public string BotId { get; set; } = "";

    /// <summary>Long connection: the Secret made for the long connection (not the callback Token). Environment only.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Long connection: WeCom's endpoint; private deployments find theirs in the admin console.</summary>
    public Uri LongConnectionUrl { get; set; } = new("wss://openws.work.weixin.qq.com");

    /// <summary>Long connection: the heartbeat; WeCom closes connections whose heartbeats stop (30 s recommended).</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(30);

    public string Token { get; set; } = "";

    public string EncodingAesKey { get; set; } = "";

    /// <summary>The bot's display name, so "@Name" can be removed from group text; empty: the leading mention is removed.</summary>
    public string MentionName { get; set; } = "";

    /// <summary>
    /// How long a finished stream waits for WeCom's next refresh to pick it up before the answer goes through the
    /// one-shot response_url instead.
    /// </summary>
    public TimeSpan StreamPickupTimeout { get; set; } = TimeSpan.FromSeconds(20);

    public bool Enabled => Mode == WeComAiBotMode.LongConnection
        ? !string.IsNullOrWhiteSpace(BotId) && !string.IsNullOrWhiteSpace(Secret)
        : !string.IsNullOrWhiteSpace(Token);
}

/// <summary>A self-built app (自建应用): DMs, XML callbacks, receiveid = corpid, replies through message/send.</summary>
public sealed class WeComAppOptions
{
    public string CorpId { get; set; } = "";

    public int AgentId { get; set; }

    public string Token { get; set; } = "";

    public string EncodingAesKey { get; set; } = "";

    /// <summary>The app's Secret, for access tokens. A secret: environment or a secret store, never the file.</summary>
    public string Secret { get; set; } = "";

    /// <summary>
    /// Text (default): answers as text messages, which every client shows. Markdown: the app's <c>markdown</c> message
    /// (headings, bold, links, quotes), which the WeCom client renders but WeChat (the 微工作台 plugin) does not show at
    /// all — choose it only where staff use the WeCom client.
    /// </summary>
    public ReplyFormat MessageFormat { get; set; } = ReplyFormat.Text;

    public bool Enabled => !string.IsNullOrWhiteSpace(Token);
}

/// <summary>Cross-field rules; each message names the key and what is wrong with its value.</summary>
internal sealed class WeComOptionsValidator : IValidateOptions<WeComOptions>
{
    public ValidateOptionsResult Validate(string? name, WeComOptions options)
    {
        var errors = new List<string>();
        if (!options.ApiBaseUrl.IsAbsoluteUri || options.ApiBaseUrl.Scheme is not ("http" or "https"))
        {
            errors.Add($"WeCom:ApiBaseUrl must be an absolute http(s) URL; got '{options.ApiBaseUrl}'.");
        }

        if (options.TimestampTolerance <= TimeSpan.Zero)
        {
            errors.Add($"WeCom:TimestampTolerance must be positive; got '{options.TimestampTolerance}'.");
        }

        foreach (var (key, value) in new[]
        {
            ("WeCom:AiBot:Token", options.AiBot.Token), ("WeCom:AiBot:EncodingAesKey", options.AiBot.EncodingAesKey),
            ("WeCom:AiBot:BotId", options.AiBot.BotId), ("WeCom:AiBot:Secret", options.AiBot.Secret),
            ("WeCom:App:CorpId", options.App.CorpId), ("WeCom:App:Token", options.App.Token),
            ("WeCom:App:EncodingAesKey", options.App.EncodingAesKey), ("WeCom:App:Secret", options.App.Secret),
        })
        {
            if (Placeholder.Is(value))
            {
                errors.Add(Placeholder.Message(key, key.Replace(":", "__", StringComparison.Ordinal)));
            }
        }

        if (errors.Count > 0)
        {
            // A placeholder makes every other rule about that channel noise.
            return ValidateOptionsResult.Fail(errors);
        }

        var bot = options.AiBot;
        if (bot.Mode == WeComAiBotMode.LongConnection)
        {
            LongConnectionRules(bot, errors);
        }
        else if (bot.Enabled || !string.IsNullOrEmpty(bot.EncodingAesKey))
        {
            RequireToken("WeCom:AiBot:Token", bot.Token, errors);
            RequireKey("WeCom:AiBot:EncodingAesKey", bot.EncodingAesKey, errors);
        }

        var app = options.App;
        if (app.Enabled || !string.IsNullOrEmpty(app.EncodingAesKey) || !string.IsNullOrEmpty(app.CorpId))
        {
            RequireToken("WeCom:App:Token", app.Token, errors);
            RequireKey("WeCom:App:EncodingAesKey", app.EncodingAesKey, errors);
            if (string.IsNullOrWhiteSpace(app.CorpId))
            {
                errors.Add("WeCom:App:CorpId is required when the app is configured (it is the receiveid of its callbacks).");
            }

            if (app.AgentId <= 0)
            {
                errors.Add($"WeCom:App:AgentId must be the app's positive AgentId; got '{app.AgentId}'.");
            }

            if (string.IsNullOrWhiteSpace(app.Secret))
            {
                errors.Add("WeCom:App:Secret is required when the app is configured (replies need an access token); set it through the environment: WeCom__App__Secret.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void LongConnectionRules(WeComAiBotOptions bot, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(bot.BotId) != string.IsNullOrWhiteSpace(bot.Secret))
        {
            errors.Add(string.IsNullOrWhiteSpace(bot.BotId)
                ? "WeCom:AiBot:BotId is required with WeCom:AiBot:Secret in LongConnection mode (the BotID in the console's API mode)."
                : "WeCom:AiBot:Secret is required with WeCom:AiBot:BotId in LongConnection mode; set it through the environment: WeCom__AiBot__Secret.");
        }

        var url = bot.LongConnectionUrl;
        if (!url.IsAbsoluteUri || !(url.Scheme == "wss" || (url.Scheme == "ws" && url.IsLoopback)))
        {
            errors.Add($"WeCom:AiBot:LongConnectionUrl must be a wss:// URL (ws:// only to this machine); got '{url}'.");
        }

        if (bot.Heartbeat < TimeSpan.FromSeconds(1) || bot.Heartbeat > TimeSpan.FromMinutes(1))
        {
            errors.Add($"WeCom:AiBot:Heartbeat must be between 00:00:01 and 00:01:00; got '{bot.Heartbeat}'.");
        }
    }

    private static void RequireToken(string key, string value, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{key} is required when its channel is configured.");
        }
        else if (value.Length > 32 || !value.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"{key} must be up to 32 ASCII letters and digits, as the WeCom console generates it; got {value.Length} characters with other symbols.");
        }
    }

    private static void RequireKey(string key, string value, List<string> errors)
    {
        if (WeComCallbackCrypto.TryDecodeKey(value) is null)
        {
            errors.Add($"{key} must be the 43-character EncodingAESKey from the WeCom console; got {value.Length} characters that do not decode to 32 bytes.");
        }
    }
}
