using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ChatBot.Core.AdminFiles;

/// <summary>
/// What an edit of an admin file changed, for the audit trail: the file, the content's hash before and after (an
/// auditor can match a copy of the file to the line), how many rules it added, changed and removed, and whether the
/// bot took it or kept the last good version. A rule is a setting or a line that says something — not blank, not a comment —
/// known by its key: a JSON file's setting by its path (<c>users.lisi</c>), a glossary entry by the policy terms
/// after its <c>=&gt;</c>, or the whole line (a word, a sentence of the prompt); the same key with another
/// value is a changed rule.
/// </summary>
public sealed record AdminFileChange(string File, string HashBefore, string HashAfter, int Added, int Changed, int Removed, bool Refused, string? Problem)
{
    public static AdminFileChange Between(string file, string before, string after, string? problem)
    {
        var old = Rules(before);
        var now = Rules(after);
        var added = now.Keys.Count(k => !old.ContainsKey(k));
        var removed = old.Keys.Count(k => !now.ContainsKey(k));
        var changed = now.Count(r => old.TryGetValue(r.Key, out var value) && value != r.Value);
        return new AdminFileChange(file, Hash(before), Hash(after), added, changed, removed, problem is not null, problem);
    }

    /// <summary>A content hash short enough to read, long enough to tell versions apart (SHA-256, 16 hex digits).</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))[..8]);

    private static Dictionary<string, string> Rules(string text)
    {
        if (text.TrimStart().StartsWith('{') && Json(text) is { } json)
        {
            return json;
        }

        var rules = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.Trim().TrimEnd(',');
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith("//", StringComparison.Ordinal) || line is "{" or "}" or "[" or "]" or "},")
            {
                continue;
            }

            var arrow = line.IndexOf("=>", StringComparison.Ordinal);
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            // A glossary entry is about its policy terms: more or fewer colloquial forms for them is a change.
            var (key, value) = arrow > 0 ? (line[(arrow + 2)..].Trim(), line[..arrow].Trim())
                : colon > 0 && line.StartsWith('"') ? (line[..colon].Trim(), line[(colon + 1)..].Trim())
                : (line, "");
            // The same key twice (a repeated word, "hr" under two sections) stays two rules.
            var n = seen[key] = seen.GetValueOrDefault(key) + 1;
            rules[n == 1 ? key : $"{key}#{n}"] = value;
        }

        return rules;
    }

    /// <summary>A JSON file's settings by path ("users.lisi" → "10"; an array's items by value), however it is laid out.</summary>
    private static Dictionary<string, string>? Json(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var rules = new Dictionary<string, string>(StringComparer.Ordinal);
            Flatten(document.RootElement, "", rules);
            return rules;
        }
        catch (JsonException)
        {
            return null; // a refused edit that is not JSON at all: counted by lines
        }
    }

    private static void Flatten(JsonElement element, string path, Dictionary<string, string> rules)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", rules);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        Flatten(item, $"{path}[]", rules);
                    }
                    else
                    {
                        rules[$"{path}[{item}]"] = "";
                    }
                }

                break;
            default:
                rules[path] = element.ToString();
                break;
        }
    }
}
