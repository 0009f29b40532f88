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

    /// <summary>
    /// Compares the Base64 text in constant time. Text, not decoded bytes: Base64 has several spellings of one
    /// MAC (unused low bits in the last character), and only the canonical one DingTalk sends is accepted.
    /// </summary>
    public bool Verify(string? sign, string timestamp)
    {
        if (sign is not { Length: 44 })
        {
            return false;
        }

        Span<byte> given = stackalloc byte[44];
        Span<byte> expected = stackalloc byte[44];
        return Encoding.ASCII.GetBytes(sign, given) == 44
            && Encoding.ASCII.GetBytes(Compute(timestamp), expected) == 44
            && CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
