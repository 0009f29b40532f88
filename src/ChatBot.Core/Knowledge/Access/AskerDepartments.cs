using ChatBot.Core.Messages;
using ChatBot.Core.PlatformApi;
using ChatBot.Core.Privacy;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Knowledge.Access;

/// <summary>
/// The departments an asker belongs to, for document access: the platform's directory, asked once per user and
/// cached (<c>Knowledge:DirectoryCacheTtl</c>), plus any department the platform sent with the message. Fails closed:
/// when the directory cannot say, the asker has no known department, so documents limited to departments are
/// skipped — never shown — and the failure is remembered for a minute, so an outage does not hold every answer on a
/// timeout. Each id comes both bare ("5") and qualified by platform ("wecom:5"), so a rule may name either.
/// </summary>
public sealed partial class AskerDepartments(IServiceProvider services, IOptionsMonitor<KnowledgeOptions> options, ILogger<AskerDepartments> logger) : IDisposable
{
    /// <summary>How long one lookup may take: the answer waits on it.</summary>
    public TimeSpan LookupTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a failed lookup is remembered before the directory is asked again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    // Bounded: one entry per asker, and a company of any size fits; the least recent go first when full.
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 200_000 });

    /// <returns>The asker's departments, or null when none is known (restricted-by-department documents are then skipped).</returns>
    public async Task<IReadOnlyCollection<string>?> ResolveAsync(InboundMessage asker, CancellationToken cancellationToken)
    {
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (asker.SenderDepartment is { Length: > 0 } sent)
        {
            Add(known, asker.Platform, sent);
        }

        foreach (var department in await LookUpAsync(asker, cancellationToken) ?? [])
        {
            Add(known, asker.Platform, department);
        }

        return known.Count > 0 ? known : null;
    }

    private async Task<IReadOnlyList<string>?> LookUpAsync(InboundMessage asker, CancellationToken cancellationToken)
    {
        if (services.GetKeyedService<IDepartmentDirectory>(asker.Platform) is not { } directory)
        {
            return null;
        }

        var key = (asker.Platform, asker.BotId, asker.SenderId);
        if (_cache.TryGetValue(key, out IReadOnlyList<string>? cached))
        {
            return cached;
        }

        IReadOnlyList<string>? departments;
        TimeSpan keep;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(LookupTimeout);
            departments = await directory.DepartmentsOfAsync(asker.SenderId, timeout.Token);
            keep = options.CurrentValue.DirectoryCacheTtl;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            LogLookupFailed(logger, asker.Platform, Pseudonym.Of(asker.SenderId), ex.GetType().Name, Describe(ex));
            departments = null;
            keep = RetryAfter;
        }

        _cache.Set(key, departments, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = keep });
        return departments;
    }

    private static void Add(HashSet<string> known, Platform platform, string department) => known.UnionWith(Forms(platform, department));

    /// <summary>A department id as rules may name it: bare ("5") and for its platform ("wecom:5").</summary>
    public static string[] Forms(Platform platform, string department) => [department, $"{platform.ToString().ToLowerInvariant()}:{department}"];

    // A platform error says which code; other messages may carry a URL, and a URL carries the access token.
    private static string Describe(Exception ex) => ex is PlatformApiException api ? api.Code : ex is OperationCanceledException ? "timed out" : "no answer";

    public void Dispose() => _cache.Dispose();

    [LoggerMessage(EventId = 1504, Level = LogLevel.Warning,
        Message = "Department lookup on {Platform} for user={UserHash} failed ({ErrorType}: {Problem}); documents limited to departments stay hidden from this asker")]
    private static partial void LogLookupFailed(ILogger logger, Platform platform, string userHash, string errorType, string problem);
}
