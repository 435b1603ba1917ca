//! [`Signaling::migration_report`]: what this instance's legacy calls become on RTM.

use super::Signaling;
use crate::migration::MigrationReport;

impl Signaling {
    /// Every legacy method this instance has been called with, how often, its kind and its
    /// RTM replacement (see [`MigrationReport`]; its `Display` prints a table). Counting
    /// starts when the instance is created and includes calls ignored after `destroy`.
    ///
    /// ```
    /// use sig2rtm::mapping::LegacyMethod;
    /// use sig2rtm::signaling::{Signaling, SignalingConfig};
    /// use sig2rtm::system::{System, SystemConfig};
    ///
    /// let system = System::new(SystemConfig::default());
    /// let sig = Signaling::create_instance(SignalingConfig::default().system(&system));
    /// sig.get_status();
    /// sig.get_status();
    /// sig.ping();
    /// let report = sig.migration_report();
    /// assert_eq!(report.calls_of(LegacyMethod::GetStatus), 2);
    /// assert_eq!(report.calls_of(LegacyMethod::Ping), 1);
    /// println!("{report}");
    /// sig.destroy();
    /// ```
    #[doc(alias = "usage")]
    pub fn migration_report(&self) -> MigrationReport {
        MigrationReport::from_counts(|method| self.calls_of(method))
    }
}
