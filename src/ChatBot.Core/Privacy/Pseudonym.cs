using System.Security.Cryptography;
using System.Text;

namespace ChatBot.Core.Privacy;

/// <summary>
/// How audit lines and logs name a user or a chat: a keyed pseudonym, HMAC-SHA256 under <c>Privacy:PseudonymKey</c>,
/// "p-" and 16 hex digits. Stable under one key, so an auditor can follow one person's requests and, holding the key,
/// compute the pseudonym of a name to search for (<c>audit --user lisi</c>); without the key a file names no one, and
/// hashing the company's user list does not reverse it. Process-wide, set once at start from configuration; a
/// process with no key (the audit trail off) uses a random one, so its log lines cannot be correlated across runs
/// either.
/// </summary>
public static class Pseudonym
{
    private static readonly byte[] RandomKey = RandomNumberGenerator.GetBytes(32);
    private static byte[]? _key;

    /// <summary>The shortest key accepted: a passphrase shorter than this is guessable.</summary>
    public const int MinKeyLength = 16;

    public static void UseKey(string? key) => Volatile.Write(ref _key, string.IsNullOrEmpty(key) ? null : Encoding.UTF8.GetBytes(key));

    public static string Of(string id)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(Volatile.Read(ref _key) ?? RandomKey, Encoding.UTF8.GetBytes(id), mac);
        return "p-" + Convert.ToHexStringLower(mac[..8]);
    }

    /// <summary>Whether a value is already a pseudonym (an auditor may search by one they were given).</summary>
    public static bool Is(string value) => value.Length == 18 && value.StartsWith("p-", StringComparison.Ordinal) && value[2..].All(char.IsAsciiHexDigitLower);
}
