//! `debrief eval signals FILE`: the built-in analyser measured on a labelled set.

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
    }
}
