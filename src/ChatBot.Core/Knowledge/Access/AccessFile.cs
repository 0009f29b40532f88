using System.Text.Json;
using ChatBot.Core.AdminFiles;
using ChatBot.Knowledge.Documents;

namespace ChatBot.Core.Knowledge.Access;

/// <summary>
/// The knowledge folder's own <c>access.json</c>: limits a file — docx, xlsx and PDFs carry no front matter — or a
/// whole subfolder to departments and users. It lives beside the documents it governs, so an edit re-indexes with
/// them. Every rule that covers a file applies, with the file's front matter: a reader must pass each, so a rule can
/// only narrow. A broken file stops start-up, and after a later edit the last good index stays: access never opens
/// by accident.
/// </summary>
public sealed class AccessFile
{
    public const string FileName = "access.json";

    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
    private readonly IReadOnlyList<(string Path, DocumentAccess Access)> _rules;

    private AccessFile(IReadOnlyList<(string, DocumentAccess)> rules) => _rules = rules;

    public static AccessFile None { get; } = new([]);

    /// <summary>The folder's access file, or no rules when there is none.</summary>
    public static AccessFile Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : None;
    }

    /// <summary>
    /// <c>{ "pay/": { "departments": ["5"] }, "2026调薪.xlsx": { "departments": ["wecom:5"], "users": ["lisi"] } }</c>:
    /// keys are paths relative to the folder, a key ending in "/" covers everything under it.
    /// </summary>
    public static AccessFile Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Lenient);
        }
        catch (JsonException ex)
        {
            throw new AdminFileException($"{source}: not valid JSON ({ex.Message}).");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new AdminFileException($"{source}: expected an object of \"path\": {{ \"departments\": [...], \"users\": [...] }}.");
            }

            var rules = new List<(string, DocumentAccess)>();
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                var path = entry.Name.Trim().Replace('\\', '/').TrimStart('.', '/');
                if (path.Length == 0)
                {
                    throw new AdminFileException($"{source}: \"{entry.Name}\" is not a path inside the knowledge folder.");
                }

                rules.Add((path, Rule(entry, source)));
            }

            return new AccessFile(rules);
        }
    }

    /// <summary>What every rule covering <paramref name="relativePath"/> allows, together.</summary>
    public DocumentAccess For(string relativePath) =>
        _rules.Where(r => Covers(r.Path, relativePath)).Aggregate(DocumentAccess.Everyone, (access, rule) => access.And(rule.Access));

    /// <summary>Rules that cover none of <paramref name="files"/>: most likely a misspelt path, which leaves a document open.</summary>
    public IEnumerable<string> Unmatched(IReadOnlyCollection<string> files) =>
        _rules.Select(r => r.Path).Where(rule => !files.Any(file => Covers(rule, file)));

    private static bool Covers(string rule, string file) =>
        rule.EndsWith('/') ? file.StartsWith(rule, StringComparison.Ordinal) : file == rule;

    private static DocumentAccess Rule(JsonProperty entry, string source)
    {
        if (entry.Value.ValueKind != JsonValueKind.Object)
        {
            throw new AdminFileException($"{source}: \"{entry.Name}\" must be an object with \"departments\" and/or \"users\".");
        }

        List<string> departments = [], users = [];
        foreach (var setting in entry.Value.EnumerateObject())
        {
            var list = setting.Name switch
            {
                "departments" => departments,
                "users" => users,
                _ => throw new AdminFileException($"{source}: \"{entry.Name}\": unknown setting \"{setting.Name}\" (\"departments\" and \"users\" are known)."),
            };
            if (setting.Value.ValueKind != JsonValueKind.Array
                || setting.Value.EnumerateArray().Any(v => v.ValueKind is not (JsonValueKind.String or JsonValueKind.Number) || v.ToString().Trim().Length == 0))
            {
                throw new AdminFileException($"{source}: \"{entry.Name}\": \"{setting.Name}\" must be a list of ids, such as [\"5\", \"wecom:12\"].");
            }

            list.AddRange(setting.Value.EnumerateArray().Select(v => v.ToString().Trim()));
        }

        if (departments.Count == 0 && users.Count == 0)
        {
            // An empty rule would read as "restricted" to an admin and open to everyone in fact.
            throw new AdminFileException($"{source}: \"{entry.Name}\" names no department and no user; remove the entry to open the document to everyone.");
        }

        return new DocumentAccess(departments, users);
    }
}
