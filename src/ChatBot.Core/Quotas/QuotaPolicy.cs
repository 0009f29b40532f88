using System.Text.Json;
using System.Text.Json.Serialization;
using ChatBot.Core.AdminFiles;

namespace ChatBot.Core.Quotas;

/// <summary>
/// <c>config/quotas.json</c>, admin-edited and hot-reloaded. A user's daily limit comes from the most specific rule:
/// admins are exempt, then the user's own limit, then the chat's (a per-user limit inside that chat), then their
/// departments' (by id, or by a name the running bot resolves through the directory; in several, the most generous),
/// then the default. A limit of 0 blocks. Beside it, a group
/// budget (<see cref="Groups"/>) is a daily pool a whole group chat shares: both must allow a question.
/// </summary>
public sealed partial record QuotaPolicy
{
    public string TimeZone { get; init; } = "Asia/Shanghai";

    public int DailyLimit { get; init; } = 50;

    /// <summary>Per user per minute; 0 = no burst limit.</summary>
    public int BurstPerMinute { get; init; }

    public Dictionary<string, int> Users { get; init; } = [];

    public Dictionary<string, int> Departments { get; init; } = [];

    public Dictionary<string, int> Chats { get; init; } = [];

    /// <summary>Group chat id → questions a day the whole group shares, beside each member's own limit.</summary>
    public Dictionary<string, int> Groups { get; init; } = [];

    public HashSet<string> Admins { get; init; } = [];

    /// <summary>Department id → the name the admin wrote, for rules given by name (resolved by <c>DepartmentNames</c>).</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string> DepartmentLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>A department key that is a name ("人力资源部", "wecom:人力资源部") rather than an id ("5", "wecom:5").</summary>
    public static bool IsDepartmentName(string key) => !DepartmentId().IsMatch(key);

    [JsonIgnore]
    public TimeZoneInfo Zone { get; private init; } = TimeZoneInfo.Utc;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Whether the sender's departments could decide their limit: a department rule exists, and nothing more specific applies.</summary>
    public bool NeedsDepartments(string userId, string chatId) =>
        Departments.Count > 0 && !Admins.Contains(userId) && !Users.ContainsKey(userId) && !Chats.ContainsKey(chatId);

    /// <summary>The limit for a sender in a chat; null for an exempt admin.</summary>
    public int? LimitFor(string userId, IReadOnlyCollection<string>? departments, string chatId) => RuleFor(userId, departments, chatId).Limit;

    /// <summary>
    /// The limit and the rule that sets it (admins, users, chats, departments:ID, dailyLimit): most specific first.
    /// <paramref name="departments"/> holds each id bare and platform-qualified ("5", "wecom:5"), as the directory gives them.
    /// </summary>
    public (int? Limit, string Rule) RuleFor(string userId, IReadOnlyCollection<string>? departments, string chatId)
    {
        if (Admins.Contains(userId))
        {
            return (null, "admins");
        }

        if (Users.TryGetValue(userId, out var user))
        {
            return (user, "users");
        }

        if (Chats.TryGetValue(chatId, out var chat))
        {
            return (chat, "chats");
        }

        // In several departments with rules, the most generous applies.
        var best = (departments ?? []).Where(Departments.ContainsKey).Select(d => (Limit: Departments[d], Id: d)).OrderByDescending(d => d.Limit).FirstOrDefault();
        return best.Id is null ? (DailyLimit, "dailyLimit")
            : DepartmentLabels.TryGetValue(best.Id, out var name) ? (best.Limit, $"departments:{best.Id} ({name})")
            : (best.Limit, "departments:" + best.Id);
    }

    /// <exception cref="AdminFileException">What is wrong, with the key and the value.</exception>
    public static QuotaPolicy Parse(string json, string source)
    {
        QuotaPolicy? policy;
        try
        {
            policy = JsonSerializer.Deserialize<QuotaPolicy>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new AdminFileException($"{source}: not valid quota JSON at {ex.Path ?? "$"} (line {ex.LineNumber + 1}): {ex.Message.Split(". Path:")[0]}");
        }

        if (policy is null)
        {
            throw new AdminFileException($"{source}: empty.");
        }

        var errors = new List<string>();
        TimeZoneInfo zone = TimeZoneInfo.Utc;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(policy.TimeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            errors.Add($"timeZone '{policy.TimeZone}' is not a known time zone (e.g. Asia/Shanghai)");
        }

        if (policy.DailyLimit < 0)
        {
            errors.Add($"dailyLimit must be 0 or more; got {policy.DailyLimit}");
        }

        if (policy.BurstPerMinute < 0)
        {
            errors.Add($"burstPerMinute must be 0 or more; got {policy.BurstPerMinute}");
        }

        foreach (var key in policy.Departments.Keys.Where(k => string.IsNullOrWhiteSpace(k) || k.EndsWith(':')))
        {
            errors.Add($"departments.\"{key}\" is empty: write a department id (5, wecom:5) or a department name the directory knows");
        }

        foreach (var (section, rules) in new[] { ("users", policy.Users), ("departments", policy.Departments), ("chats", policy.Chats), ("groups", policy.Groups) })
        {
            foreach (var (key, limit) in rules.Where(r => r.Value < 0))
            {
                errors.Add($"{section}.{key} must be 0 or more; got {limit}");
            }
        }

        if (errors.Count > 0)
        {
            throw new AdminFileException($"{source}: {string.Join("; ", errors)}.");
        }

        return policy with { Zone = zone, Departments = new Dictionary<string, int>(policy.Departments, StringComparer.OrdinalIgnoreCase) };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^((wecom|dingtalk):)?\d+$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex DepartmentId();
}
