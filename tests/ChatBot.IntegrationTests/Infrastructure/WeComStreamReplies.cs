using System.Globalization;
using System.Text.Json;
using ChatBot.WeCom.Crypto;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>Reads the bot's passive reply to a WeCom AI-bot callback as WeCom would: signature checked, decrypted, the stream returned.</summary>
public static class WeComStreamReplies
{
    public static async Task<JsonElement> Decrypt(HttpResponseMessage response)
    {
        using var envelope = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = envelope.RootElement;
        var crypto = new WeComCallbackCrypto(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, "");
        var encrypt = root.GetProperty("encrypt").GetString()!;
        Assert.True(crypto.VerifySignature(root.GetProperty("msgsignature").GetString(),
            root.GetProperty("timestamp").GetInt64().ToString(CultureInfo.InvariantCulture), root.GetProperty("nonce").GetString()!, encrypt));
        using var inner = JsonDocument.Parse(crypto.Decrypt(encrypt).Message!);
        Assert.Equal("stream", inner.RootElement.GetProperty("msgtype").GetString());
        return inner.RootElement.GetProperty("stream").Clone();
    }
}
