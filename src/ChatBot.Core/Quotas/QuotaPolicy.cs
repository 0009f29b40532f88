using System.Text.Json;
using System.Text.Json.Serialization;
using ChatBot.Core.AdminFiles;

namespace ChatBot.Core.Quotas;

/// <summary>
/// <c>config/quotas.json</c>, admin-edited and hot-reloaded. The most specific rule wins: admins are exempt, then a
/// user's own limit, then the chat's, then the department's, then the default. A limit of 0 blocks.
/// </summary>
public sealed record QuotaPolicy
{
    public string TimeZone { get; init; } = "Asia/Shanghai";

    public int DailyLimit { get; init; } = 50;

    /// <summary>Per user per minute; 0 = no burst limit.</summary>
    public int BurstPerMinute { get; init; }

    public Dictionary<string, int> Users { get; init; } = [];

    public Dictionary<string, int> Departments { get; init; } = [];

    public Dictionary<string, int> Chats { get; init; } = [];

    public HashSet<string> Admins { get; init; } = [];

    [JsonIgnore]
    public TimeZoneInfo Zone { get; private init; } = TimeZoneInfo.Utc;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The limit for a sender in a chat; null for an exempt admin.</summary>
    public int? LimitFor(string userId, string? department, string chatId) => RuleFor(userId, department, chatId).Limit;

    /// <summary>The limit and the rule that sets it (admins, users, chats, departments, dailyLimit): most specific first.</summary>
    public (int? Limit, string Rule) RuleFor(string userId, string? department, string chatId)
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

        return department is not null && Departments.TryGetValue(department, out var dept) ? (dept, "departments") : (DailyLimit, "dailyLimit");
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

        foreach (var (section, rules) in new[] { ("users", policy.Users), ("departments", policy.Departments), ("chats", policy.Chats) })
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

        return policy with { Zone = zone };
    }
}
