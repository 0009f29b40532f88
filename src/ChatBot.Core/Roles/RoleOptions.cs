using ChatBot.Core.Messages;

namespace ChatBot.Core.Roles;

/// <summary>
/// Section <c>Roles</c>: who may do more than ask. Platform user ids, bare (any platform) or for one
/// (<c>wecom:lisi</c>, <c>dingtalk:0123</c>). Distinct from <c>quotas.json</c>'s <c>admins</c>, which only lifts a
/// limit: a bot admin may pause the bot and reset quotas from the chat; an auditor may read the audit trail on the
/// host. Everyone else is a user: they ask, and use /help, /quota and /clear.
/// </summary>
public sealed class RoleOptions
{
    public const string Section = "Roles";

    public List<string> Admins { get; set; } = [];

    public List<string> Auditors { get; set; } = [];

    public bool IsAdmin(Platform platform, string userId) => Holds(Admins, platform, userId);

    public bool IsAuditor(Platform platform, string userId) => Holds(Auditors, platform, userId);

    private static bool Holds(List<string> ids, Platform platform, string userId) =>
        ids.Contains(userId, StringComparer.Ordinal) || ids.Contains($"{platform.ToString().ToLowerInvariant()}:{userId}", StringComparer.OrdinalIgnoreCase);
}
