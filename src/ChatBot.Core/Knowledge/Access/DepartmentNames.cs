using ChatBot.Core.AdminFiles;
using ChatBot.Core.Messages;
using ChatBot.Core.PlatformApi;
using ChatBot.Core.Quotas;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatBot.Core.Knowledge.Access;

/// <summary>
/// Department names in <c>quotas.json</c>, turned into the ids the directory reports for a sender. Each platform's
/// department list is read once and kept; it is read again only when a (re)loaded file names a department the kept
/// list does not hold. A name is refused — the file with it, at start-up or reload — unless it resolves to exactly one
/// department on a platform (a bare name may name one on each): no directory configured, the platform withholds names
/// from the app, the list cannot be read, no such name, or several departments of that name on one platform. The
/// message says to write the id instead.
/// </summary>
public sealed partial class DepartmentNames(IServiceProvider services, ILogger<DepartmentNames> logger)
{
    /// <summary>How long a start-up or reload waits for a department list.</summary>
    public TimeSpan ListTimeout { get; init; } = TimeSpan.FromSeconds(10);

    private readonly Dictionary<Platform, IReadOnlyList<DepartmentEntry>> _lists = [];
    private readonly Lock _gate = new();

    /// <summary>The policy with each named department rule replaced by the rule for its id (e.g. "wecom:5").</summary>
    /// <exception cref="AdminFileException">A name that does not resolve to exactly one department, with what to do.</exception>
    public QuotaPolicy Resolve(QuotaPolicy policy, string source)
    {
        var named = policy.Departments.Keys.Where(QuotaPolicy.IsDepartmentName).ToList();
        if (named.Count == 0)
        {
            return policy;
        }

        lock (_gate)
        {
            var departments = new Dictionary<string, int>(policy.Departments.Where(d => !QuotaPolicy.IsDepartmentName(d.Key)), StringComparer.OrdinalIgnoreCase);
            var labels = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var errors = new List<string>();
            foreach (var key in named)
            {
                if (Find(key) is { } problem)
                {
                    errors.Add($"departments.{key}: {problem}; write the department id instead (WeCom 通讯录 → 部门 ID, DingTalk deptId), bare (5) or for one platform (wecom:5)");
                    continue;
                }

                // One department per platform: a bare name may be a department on each.
                foreach (var id in Matches(key))
                {
                    // An id the admin also wrote out keeps its own limit: the explicit rule is the one they meant.
                    departments.TryAdd(id, policy.Departments[key]);
                    labels[id] = key;
                    LogResolved(logger, key, id);
                }
            }

            return errors.Count > 0
                ? throw new AdminFileException($"{source}: {string.Join("; ", errors)}.")
                : policy with { Departments = departments, DepartmentLabels = labels };
        }
    }

    /// <summary>Why a name does not resolve to one department; null when it does.</summary>
    private string? Find(string key)
    {
        var platforms = Platforms(key);
        if (Matches(key).Count == 0)
        {
            // Not in what is kept: the directory may have changed since it was read.
            foreach (var platform in platforms)
            {
                _lists.Remove(platform);
            }
        }

        var problems = new List<string>();
        foreach (var platform in platforms.Where(p => !_lists.ContainsKey(p)))
        {
            if (Read(platform) is { } problem)
            {
                problems.Add(problem);
            }
        }

        var matches = Matches(key);
        var twice = matches.GroupBy(m => m.Split(':')[0]).FirstOrDefault(g => g.Count() > 1);
        return twice is not null ? $"{twice.Count()} departments have that name ({string.Join(", ", twice)})"
            : matches.Count > 0 ? null
            : problems.Count > 0 ? string.Join(", ", problems)
            : $"no department of that name in {string.Join(" or ", platforms.Select(p => p.ToString()))}'s directory";
    }

    /// <summary>Reads a platform's list into <see cref="_lists"/>; the problem when it cannot.</summary>
    private string? Read(Platform platform)
    {
        if (services.GetKeyedService<IDepartmentDirectory>(platform) is not { } directory)
        {
            return $"{platform} is not configured here, so names cannot be looked up there";
        }

        IReadOnlyList<DepartmentEntry>? list;
        try
        {
            using var timeout = new CancellationTokenSource(ListTimeout);
            // Admin files load synchronously (start-up, the file watcher's reload); this is the one wait on the network there.
            list = Task.Run(() => directory.ListAsync(timeout.Token)).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return $"{platform}'s department list could not be read ({(ex is PlatformApiException api ? api.Code : ex is OperationCanceledException ? "timed out" : "no answer")})";
        }

        if (list is null)
        {
            return $"{platform} has no app credentials here, so its directory cannot be asked";
        }

        if (list.Count > 0 && list.All(d => d.Name is null))
        {
            return $"{platform} gives this app department ids but not names (the app lacks the permission to read them)";
        }

        _lists[platform] = list;
        return null;
    }

    private List<string> Matches(string key)
    {
        var name = Bare(key);
        return Platforms(key)
            .SelectMany(p => (_lists.GetValueOrDefault(p) ?? []).Where(d => string.Equals(d.Name, name, StringComparison.Ordinal)).Select(d => $"{p.ToString().ToLowerInvariant()}:{d.Id}"))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    // "wecom:人力资源部" looks on WeCom only; a bare name on every platform.
    private static Platform[] Platforms(string key) =>
        key.Split(':', 2) is [var prefix, _] && Enum.TryParse<Platform>(prefix, ignoreCase: true, out var platform) ? [platform] : Enum.GetValues<Platform>();

    private static string Bare(string key) => key.Split(':', 2) is [var prefix, var rest] && Enum.TryParse<Platform>(prefix, ignoreCase: true, out _) ? rest : key;

    [LoggerMessage(EventId = 1505, Level = LogLevel.Information, Message = "quotas.json: department {Name} is {Id} in the directory")]
    private static partial void LogResolved(ILogger logger, string name, string id);
}
