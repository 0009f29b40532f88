using System.Security.Cryptography;
using System.Text;

namespace ChatBot.DingTalk.Signing;

/// <summary>
/// The app robot's callback signature (dingtalk.md §2): Base64(HMAC-SHA256(key = appSecret,
/// msg = timestamp + "\n" + appSecret)), plain padded Base64 in the <c>sign</c> header — not URL-encoded.
/// It does not cover the body, so replays inside the window are stopped by msgId dedupe.
/// </summary>
public sealed class DingTalkSignature(string appSecret)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(appSecret);
    private readonly string _secret = appSecret;

    public string Compute(string timestamp)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(timestamp + "\n" + _secret), mac);
        return Convert.ToBase64String(mac);
    }

    /// <summary>Compares the decoded MACs in constant time; anything that is not 32 bytes of Base64 fails.</summary>
    public bool Verify(string? sign, string timestamp)
    {
        Span<byte> given = stackalloc byte[33];
        if (sign is not { Length: 44 } || !Convert.TryFromBase64String(sign, given, out var written) || written != 32)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(timestamp + "\n" + _secret), expected);
        return CryptographicOperations.FixedTimeEquals(given[..32], expected);
    }
}
