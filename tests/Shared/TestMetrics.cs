using System.Diagnostics.Metrics;
using ChatBot.Core.Observability;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.Tests.Shared;

/// <summary>The product's metrics on a meter of their own, for parts built directly in a test.</summary>
public static class TestMetrics
{
    public static ChatBotMetrics Create() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
}
