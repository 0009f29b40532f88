using System.Text.Json;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.PlatformApi;
using Microsoft.Extensions.Options;

namespace ChatBot.DingTalk.Api;

/// <summary>
/// The organisation's departments, for documents limited to some of them: read from the older host's
/// <c>topapi/v2/…</c> through <see cref="DingTalkApiClient.OapiAsync"/> (its token and errcode rules).
/// </summary>
internal sealed class DingTalkDirectory(DingTalkApiClient api, IOptionsMonitor<DingTalkOptions> options) : IDepartmentDirectory
{
    private const int MaxDepartmentCalls = 2_000;

    /// <summary>The departments a user (staff id) belongs to: <c>topapi/v2/user/get</c> → <c>result.dept_id_list</c>.</summary>
    public async Task<IReadOnlyList<string>?> DepartmentsOfAsync(string userId, CancellationToken cancellationToken)
    {
        var reply = await api.OapiAsync("user/get", new UserGetRequest(userId, "zh_CN"), DingTalkJson.Default.UserGetRequest, DingTalkReplyJson.Default.UserReply, cancellationToken);
        return (reply.Result.Value?.DeptIdList.Value ?? []).Select(d => d.ToString()).ToList();
    }

    /// <summary>
    /// Every department under the root (id 1), walked breadth first through <c>topapi/v2/department/listsub</c>, which
    /// gives one level per call. Bounded: a directory larger than <see cref="MaxDepartmentCalls"/> calls is refused
    /// rather than walked for minutes.
    /// </summary>
    public async Task<IReadOnlyList<DepartmentEntry>?> ListAsync(CancellationToken cancellationToken)
    {
        if (!options.CurrentValue.Enabled)
        {
            return null;
        }

        var found = new List<DepartmentEntry>();
        var pending = new Queue<long>([1]);
        for (var calls = 0; pending.TryDequeue(out var parent); calls++)
        {
            if (calls == MaxDepartmentCalls)
            {
                throw new PlatformApiException("DingTalk", $"department/listsub: more than {MaxDepartmentCalls} departments with children", transient: false);
            }

            var reply = await api.OapiAsync("department/listsub", new DepartmentListRequest(parent, "zh_CN"), DingTalkJson.Default.DepartmentListRequest,
                DingTalkReplyJson.Default.SubDepartmentsReply, cancellationToken);
            foreach (var department in (reply.Result.Value ?? []).Select(d => d.Value))
            {
                // An entry without a numeric id can be neither named in a rule nor walked into.
                if (department?.DeptId is not { ValueKind: JsonValueKind.Number } deptId || !deptId.TryGetInt64(out var id))
                {
                    continue;
                }

                found.Add(new DepartmentEntry(id.ToString(System.Globalization.CultureInfo.InvariantCulture), department.Name is { Length: > 0 } name ? name : null));
                pending.Enqueue(id);
            }
        }

        return found;
    }
}
