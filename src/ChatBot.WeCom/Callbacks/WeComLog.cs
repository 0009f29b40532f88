using Microsoft.Extensions.Logging;

namespace ChatBot.WeCom.Callbacks;

/// <summary>WeCom's log events: metadata only, never text, ciphertext or keys.</summary>
internal static partial class WeComLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "WeCom {Channel} callback rejected: {Code} ({Status})")]
    public static partial void Rejected(ILogger logger, string channel, string code, int status);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "WeCom {Channel} URL verification answered")]
    public static partial void UrlVerified(ILogger logger, string channel);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "WeCom {Channel} {MsgType} callback acknowledged, not queued (event {EventType})")]
    public static partial void Acknowledged(ILogger logger, string channel, string msgType, string? eventType);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "WeCom {Channel} is off: {Key} is not set")]
    public static partial void ChannelOff(ILogger logger, string channel, string key);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "WeCom {Channel} is on at {Path}")]
    public static partial void ChannelOn(ILogger logger, string channel, string path);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "WeCom aibot is on in LongConnection mode: an outbound connection to {Host} (no callback URL)")]
    public static partial void LongConnectionOn(ILogger logger, string host);
}
