using StreamRnn.Core;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Tests.Support;

namespace StreamRnn.Engine.Tests;

/// <summary>The Alerts section: defaults, validation messages naming setting and value, and loading from a pipeline file.</summary>
[Trait("Category", "Unit")]
public sealed class AlertOptionsTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.Empty(new AlertOptions().Validate());
        Assert.Equal(["warning", "critical"], new AlertOptions().SeverityNames());
        Assert.Equal(["warning"], new AlertOptions { CriticalThreshold = null }.SeverityNames());
    }

    [Theory]
    [InlineData("Threshold", "0", "Alerts:Threshold: must be a probability in (0, 1]")]
    [InlineData("Threshold", "NaN", "Alerts:Threshold: must be a probability in (0, 1]")]
    [InlineData("ClearThreshold", "0.7", "Alerts:ClearThreshold: must be below Threshold (0.7), or an alert would clear and raise on the same readings")]
    [InlineData("ClearThreshold", "-0.1", "Alerts:ClearThreshold: must be a probability in [0, 1)")]
    [InlineData("CriticalThreshold", "0.5", "Alerts:CriticalThreshold: must be between Threshold (0.7) and 1, or null for no critical severity")]
    [InlineData("MinReadings", "0", "Alerts:MinReadings: must be between 1 and 10000")]
    [InlineData("Window", "00:00:00", "Alerts:Window: must be positive and at most 1.00:00:00")]
    [InlineData("Cooldown", "-00:00:01", "Alerts:Cooldown: must be between 00:00:00 and 1.00:00:00")]
    [InlineData("KeyIdleTimeout", "00:00:20", "Alerts:KeyIdleTimeout: must be longer than Cooldown (00:00:30) and Window (00:00:15): forgetting a key ends its cooldown")]
    [InlineData("Severity", "Warning", "Alerts:Severity: must be 1 to 32 lower-case letters, digits, '_' or '-' (it is a metric label value)")]
    [InlineData("CriticalSeverity", "warning", "Alerts:CriticalSeverity: must differ from Severity")]
    [InlineData("Event", "", "Alerts:Event: must be 1 to 64 characters naming what is alerted on (e.g. exit)")]
    [InlineData("Label", " ", "Alerts:Label: must be 1 to 96 characters saying what the probability is of, or null for Event within Window")]
    public void Each_bad_setting_is_named_never_its_value(string setting, string value, string expected)
    {
        var options = new AlertOptions();
        var property = typeof(AlertOptions).GetProperty(setting)!;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        object parsed = type == typeof(double) ? double.Parse(value, System.Globalization.CultureInfo.InvariantCulture)
            : type == typeof(int) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture)
            : type == typeof(TimeSpan) ? TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture)
            : value;
        property.SetValue(options, parsed);

        Assert.Equal(expected, Assert.Single(options.Validate()));
    }

    [Fact]
    public void A_pipeline_with_alerts_needs_a_binary_head_and_an_alert_topic()
    {
        var stocks = TestPipelines.Stocks();
        stocks.Alerts = new AlertOptions { Threshold = 2 };

        Assert.Equal(
            [
                "Pipelines:stocks:Alerts:Threshold: must be a probability in (0, 1]",
                "Pipelines:stocks:Model:Head: alert rules (Alerts) need a Binary or Categorical head: they watch a probability",
                "Pipelines:stocks:AlertTopic: is required when Alerts is set: alerts are written there",
            ],
            stocks.Validate());
    }

    [Fact]
    public void The_Alerts_section_loads_from_a_pipeline_file_and_is_absent_by_default()
    {
        var definition = PipelineDefinition.Parse("""
            {
              "Name": "bed-exit", "InputTopic": "in", "OutputTopic": "out", "AlertTopic": "alerts",
              "Features": [ { "Field": "rssi" } ],
              "Target": { "Field": "in_bed", "Horizon": 4 },
              "Model": { "Head": "Binary" },
              "Alerts": { "Event": "exit", "Watch": "Complement", "Window": "00:00:15", "Threshold": 0.6, "ClearThreshold": 0.3,
                          "MinReadings": 2, "Cooldown": "00:01:00", "CriticalThreshold": null, "KeyIdleTimeout": "02:00:00" }
            }
            """u8);

        Assert.Empty(definition.Validate());
        var alerts = definition.Alerts!;
        Assert.Equal(("exit", WatchedProbability.Complement, TimeSpan.FromSeconds(15), 0.6, 0.3, 2, TimeSpan.FromMinutes(1), (double?)null, TimeSpan.FromHours(2)),
            (alerts.Event, alerts.Watch, alerts.Window, alerts.Threshold, alerts.ClearThreshold, alerts.MinReadings, alerts.Cooldown, alerts.CriticalThreshold, alerts.KeyIdleTimeout));
        Assert.Equal("p(exit within 15 s) ≥ 0.6 for 2 readings", alerts.RaiseReason(2));
        Assert.Equal("p(exit within 15 s) < 0.3", alerts.ClearReason());
        Assert.Null(TestPipelines.Stocks().Alerts);
        Assert.Equal(HeadKind.Binary, definition.Model.Head);
    }

    [Fact]
    public void A_label_names_what_the_probability_is_of_in_every_reason_instead_of_Event_within_Window()
    {
        var alerts = new AlertOptions
        {
            Event = "out of bed",
            Label = "out of bed now or at the next reading",
            Threshold = 0.4,
            ClearThreshold = 0.2,
            RaiseK = 2,
            RaiseN = 3,
        };

        Assert.Empty(alerts.Validate());
        Assert.Equal("p(out of bed now or at the next reading) ≥ 0.4 for 1 reading", alerts.RaiseReason(1));
        Assert.Equal("p(out of bed now or at the next reading) ≥ 0.4 for 2 of the last 3 readings", alerts.RaiseReason(1, 2));
        Assert.Equal("p(out of bed now or at the next reading) < 0.2", alerts.ClearReason());
        Assert.Equal("p(out of bed within 15 s) < 0.2", new AlertOptions { Event = "out of bed", Threshold = 0.4, ClearThreshold = 0.2 }.ClearReason());
    }

    [Fact]
    public void The_shipped_bed_exit_pipeline_says_what_its_label_is()
    {
        var definition = PipelineDefinition.Load(RepositoryRoot.Combine("config/pipelines/bed-exit.json"));

        Assert.Empty(definition.Validate());
        Assert.Equal(("in_bed", TargetTransform.OutWithin, 1), (definition.Target.Field, definition.Target.Transform, definition.Target.Horizon));
        Assert.Equal("p(out of bed now or at the next reading) ≥ 0.4 for 1 reading", definition.Alerts!.RaiseReason(1));
    }
}
