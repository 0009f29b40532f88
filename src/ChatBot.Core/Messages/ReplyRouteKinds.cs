using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ChatBot.Core.Replies;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.Core.Messages;

/// <summary>
/// The route kinds the platforms registered: how the sealed envelope names each one in JSON, and which sender key
/// answers it. A new platform or channel adds its kind at registration and touches no Core file.
/// </summary>
public sealed class ReplyRouteKinds
{
    private readonly List<(Type Type, string Kind)> _kinds = [];

    /// <summary>Every registered kind: what a profile or a test registers a sender for when it answers every channel.</summary>
    public IReadOnlyList<string> SenderKeys => [.. _kinds.Select(k => k.Kind)];

    /// <summary>The envelope's JSON settings: web defaults, with each registered route kind under its name.</summary>
    public JsonSerializerOptions JsonOptions() => new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { Describe } },
    };

    internal void Add(Type type, string kind)
    {
        if (_kinds.Any(k => k.Kind == kind && k.Type != type))
        {
            throw new InvalidOperationException($"The reply route kind '{kind}' is registered twice, for {_kinds.First(k => k.Kind == kind).Type.Name} and {type.Name}.");
        }

        if (!_kinds.Contains((type, kind)))
        {
            _kinds.Add((type, kind));
        }
    }

    private void Describe(JsonTypeInfo info)
    {
        if (info.Type != typeof(ReplyRoute))
        {
            return;
        }

        info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "kind" };
        foreach (var (type, kind) in _kinds)
        {
            info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, kind));
        }
    }
}

public static class ReplyRouteRegistration
{
    /// <summary>
    /// Registers a platform's route kind and the sender that answers it (keyed by <paramref name="kind"/>, which must
    /// be the route's <see cref="ReplyRoute.SenderKey"/>). An earlier registration of a sender for the kind (a test's
    /// recorder) is kept.
    /// </summary>
    public static IServiceCollection AddReplyRoute<TRoute, TSender>(this IServiceCollection services, string kind)
        where TRoute : ReplyRoute
        where TSender : class, IReplySender
    {
        services.ReplyRouteKinds().Add(typeof(TRoute), kind);
        if (!services.Any(d => d.ServiceType == typeof(IReplySender) && Equals(d.ServiceKey, kind)))
        {
            services.AddKeyedSingleton<IReplySender, TSender>(kind);
        }

        return services;
    }

    /// <summary>The one registry of this service collection, created on first use.</summary>
    public static ReplyRouteKinds ReplyRouteKinds(this IServiceCollection services)
    {
        if (services.FirstOrDefault(d => d.ServiceType == typeof(ReplyRouteKinds))?.ImplementationInstance is ReplyRouteKinds kinds)
        {
            return kinds;
        }

        kinds = new ReplyRouteKinds();
        services.AddSingleton(kinds);
        return kinds;
    }
}
