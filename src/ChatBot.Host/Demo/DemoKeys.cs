using System.Security.Cryptography;
using System.Text.Json;

namespace ChatBot.Host.Demo;

/// <summary>
/// Generated keys for every channel, kept in a git-ignored file so the bot and the <c>simulate</c> verb
/// share them. Local only: they sign nothing a real tenant would accept.
/// </summary>
internal sealed record DemoKeys(
    string WeComAiBotToken,
    string WeComAiBotAesKey,
    string WeComCorpId,
    int WeComAgentId,
    string WeComAppToken,
    string WeComAppAesKey,
    string DingTalkClientId,
    string DingTalkClientSecret)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static DemoKeys LoadOrCreate(string path)
    {
        if (File.Exists(path) && JsonSerializer.Deserialize<DemoKeys>(File.ReadAllText(path), Json) is { } existing)
        {
            return existing;
        }

        var keys = new DemoKeys(Token(), AesKey(), "wwdemocorp", 1000002, Token(), AesKey(), "dingdemoapp", Token() + Token());
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(keys, Json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return keys;
    }

    /// <summary>The configuration a tenant's admin would set, so the real endpoints run unchanged.</summary>
    public Dictionary<string, string?> AsConfiguration() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["WeCom:AiBot:Token"] = WeComAiBotToken,
        ["WeCom:AiBot:EncodingAesKey"] = WeComAiBotAesKey,
        ["WeCom:App:CorpId"] = WeComCorpId,
        ["WeCom:App:AgentId"] = WeComAgentId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["WeCom:App:Token"] = WeComAppToken,
        ["WeCom:App:EncodingAesKey"] = WeComAppAesKey,
        ["WeCom:App:Secret"] = "demo-not-a-secret",
        ["DingTalk:ClientId"] = DingTalkClientId,
        ["DingTalk:ClientSecret"] = DingTalkClientSecret,
        // Derived from a generated secret, so a keys file from before pseudonyms still serves.
        ["Privacy:PseudonymKey"] = "demo-pseudonyms-" + DingTalkClientSecret,
    };

    private static string Token() => RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24);

    // 43 Base64 characters whose decoding is 32 bytes: 32 random bytes, Base64, without the trailing '='.
    private static string AesKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=');
}
