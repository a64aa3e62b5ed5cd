//! `debrief eval signals FILE`: the built-in analyser measured on a labelled set.
//! `debrief eval priority FILE`: the priority list measured on workshops generated from it.

use clap::{Args as ClapArgs, Subcommand};

#[derive(ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Subcommand)]
enum What {
    /// Precision, recall and F1 per label on a JSON Lines set (e.g. ../shared/eval/signals-dev.jsonl), then the misses.
    Signals {
        file: std::path::PathBuf,
        /// Print the table only.
        #[arg(long)]
        no_misses: bool,
    },
    /// Generates workshops from a set's lines (urgent speakers, silent members, hard
    /// negatives), runs the whole analysis on each, and scores the priority list against the
    /// truth (urgent + silent): precision, recall, and how many lists are exactly right.
    Priority {
        file: std::path::PathBuf,
        #[arg(long, default_value_t = 20)]
        workshops: u64,
        /// The first workshop's seed; each next one adds 1.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

pub async fn run(args: Args) -> Result<(), String> {
    match args.what {
        What::Signals { file, no_misses } => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let set = debrief::analysis::eval::read_set(&text)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            print!(
                "{}",
                debrief::analysis::eval::evaluate(&set).render(!no_misses)
            );
            Ok(())
        }
        What::Priority { file, workshops, seed } => {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let set = debrief::analysis::eval::read_set(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            let coach: debrief::domain::CoachProfile = serde_json::from_str(crate::sample::COACH).expect("the bundled coach parses");
            let score = debrief::report::priority_eval(&set, workshops, seed, &coach).await.map_err(|e| format!("{}: {e}", file.display()))?;
            print!("{}", score.render());
            Ok(())
        }
    }
}

