using System.Security.Cryptography;
using System.Text;

namespace ChatBot.Core.Privacy;

/// <summary>
/// What a log line may say about an identifier that could be sensitive (message ids are opaque but
/// linkable across systems): a short, stable hash, enough to correlate log lines and nothing more.
/// </summary>
public static class LogId
{
    public static string Hash(string value)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
        return Convert.ToHexStringLower(hash[..6]);
    }
}
