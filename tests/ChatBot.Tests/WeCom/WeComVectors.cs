using System.Text.Json;
using ChatBot.WeCom.Crypto;

namespace ChatBot.Tests.WeCom;

/// <summary>The official and derived vectors of wecom.md §1, read from Vectors/wecom-vectors.json.</summary>
public sealed record WeComVector(string Name, string Token, string Key, string ReceiveId, string Timestamp, string Nonce, string Signature,
    string Encrypt, string? Plaintext, string? Prefix, int? Pad, bool Reencrypt)
{
    public static IReadOnlyList<WeComVector> All { get; } = Load();

    public static WeComVector Named(string name) => All.Single(v => v.Name == name);

    public WeComCallbackCrypto Crypto() => new(Token, Key, ReceiveId);

    public override string ToString() => Name;

    private static List<WeComVector> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "wecom-vectors.json")));
        var root = document.RootElement;
        return root.GetProperty("vectors").EnumerateArray().Select(v =>
        {
            var set = root.GetProperty(v.GetProperty("set").GetString()!);
            string? Opt(string name) => v.TryGetProperty(name, out var value) ? value.GetString() : null;
            return new WeComVector(
                v.GetProperty("name").GetString()!,
                set.GetProperty("token").GetString()!,
                set.GetProperty("key").GetString()!,
                Opt("receiveId") ?? set.GetProperty("receiveId").GetString()!,
                v.GetProperty("timestamp").GetString()!,
                v.GetProperty("nonce").GetString()!,
                v.GetProperty("signature").GetString()!,
                v.GetProperty("encrypt").GetString()!,
                Opt("plaintext"),
                Opt("prefix"),
                v.TryGetProperty("pad", out var pad) ? pad.GetInt32() : null,
                v.TryGetProperty("reencrypt", out var re) && re.GetBoolean());
        }).ToList();
    }
}
