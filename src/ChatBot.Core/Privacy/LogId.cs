using System.Security.Cryptography;
using System.Text;

namespace ChatBot.Core.Privacy;

/// <summary>
/// What a log line may say about an identifier that could be sensitive: a short, stable hash, enough to correlate
/// log lines and nothing more. The one rule: user ids, chat ids and message ids appear in logs only through this
/// hash, as they appear in Redis keys only hashed — neither a log nor a key listing is a directory of who asked.
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
