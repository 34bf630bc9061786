//! Pipeline value by stage as an inline SVG bar chart, drawn on the server (no chart library, no image
//! download). Each bar is the stage's total value; the darker part is the value weighted by PWin.

use super::StageValue;
use crate::format;
use leptos::prelude::*;
use rust_decimal::{Decimal, prelude::ToPrimitive};

const WIDTH: f64 = 760.0;
const LABEL: f64 = 220.0;
const VALUE: f64 = 170.0;
const ROW: f64 = 34.0;
const BAR: f64 = 20.0;

/// The bar's length for `value` when `max` fills the plot.
fn length(value: Decimal, max: Decimal) -> f64 {
    if max <= Decimal::ZERO {
        return 0.0;
    }
    let share = (value / max).to_f64().unwrap_or(0.0).clamp(0.0, 1.0);
    // A stage with pursuits but no value still shows a sliver, so "none" and "some" look different.
    if value > Decimal::ZERO { (share * (WIDTH - LABEL - VALUE)).max(2.0) } else { 0.0 }
}

#[component]
pub fn PipelineChart(stages: Vec<StageValue>) -> impl IntoView {
    let max = stages.iter().map(|s| s.total_value).max().unwrap_or_default();
    let height = ROW * stages.len() as f64 + 4.0;
    let summary = stages
        .iter()
        .map(|s| format!("{}: {} pursuits, {}", s.stage.label(), s.count, format::money_compact(s.total_value)))
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=format!("Pipeline value by stage. {summary}") data-testid="pipeline-chart">
            {stages.into_iter().enumerate().map(|(i, s)| {
                let y = i as f64 * ROW;
                let total = length(s.total_value, max);
                let weighted = length(s.weighted_value, max).min(total);
                view! {
                    <g class=format!("chart__row chart__row--{}", s.stage.as_str())>
                        <text class="chart__label" x="0" y=format!("{:.1}", y + 22.0)>{s.stage.full_label()}</text>
                        <rect class="chart__track" x=LABEL y=format!("{:.1}", y + 7.0) width=format!("{:.1}", WIDTH - LABEL - VALUE) height=BAR rx="4"/>
                        <rect class="chart__bar" x=LABEL y=format!("{:.1}", y + 7.0) width=format!("{total:.1}") height=BAR rx="4"/>
                        <rect class="chart__weighted" x=LABEL y=format!("{:.1}", y + 7.0) width=format!("{weighted:.1}") height=BAR rx="4"/>
                        <text class="chart__value" x=format!("{:.1}", WIDTH - VALUE + 10.0) y=format!("{:.1}", y + 22.0)>
                            {format!("{} · {}", format::money_compact(s.total_value), format::count(s.count, "pursuit", "pursuits"))}
                        </text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_stage() {
        let plot = WIDTH - LABEL - VALUE;
        assert_eq!(length(Decimal::from(50), Decimal::from(100)), plot / 2.0);
        assert_eq!(length(Decimal::from(100), Decimal::from(100)), plot);
        assert_eq!(length(Decimal::ZERO, Decimal::from(100)), 0.0);
        assert_eq!(length(Decimal::ONE, Decimal::from(1_000_000_000)), 2.0, "tiny values stay visible");
        assert_eq!(length(Decimal::ZERO, Decimal::ZERO), 0.0, "an empty pipeline draws no bars");
    }
}
